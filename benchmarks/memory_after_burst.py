"""Does the service give memory back after a burst of large requests? One run, side by side.

Usage::

    python -m benchmarks.memory_after_burst [--requests 24]

Starts the service twice on the embedded bundle (loopback, a free port): once without the
memory measures (``MT_MALLOC_ARENAS=0 MT_MEMORY_TRIM_SECONDS=0 MT_CACHE_MAX_BYTES=0``: glibc's
defaults and a cache bounded by entries only), once with the defaults. Each gets the same burst
(`--requests` requests of 10 texts x 40 random caption-word sentences, 4 at a time); prints
VmRSS at idle, at its peak, right after and 12 s after the burst. Figures: docs/service.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import socket
import subprocess
import sys
import time

import httpx

WORDS = ["dog", "man", "street", "water", "play", "the", "a", "red", "ball", "child", "with"]
WITHOUT = {"MT_MALLOC_ARENAS": "0", "MT_MEMORY_TRIM_SECONDS": "0", "MT_CACHE_MAX_BYTES": "0"}


def rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the service did not become ready")


def burst(url: str, requests: int) -> None:
    rng = random.Random(0)

    def one(_: int) -> int:
        texts = [
            ". ".join(" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(40))
            for _ in range(10)
        ]
        payload = {"text": texts, "source": "en", "target": "de"}
        return httpx.post(f"{url}/v1/translate", json=payload, timeout=300).status_code

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(one, range(requests)))
    if any(status != 200 for status in statuses):
        raise RuntimeError(f"statuses {sorted(set(statuses))}")


def measure(env: dict[str, str], requests: int) -> str:
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("MT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port)],
        env={**base, "MT_ACCESS_LOG": "false", "MT_MAX_QUEUE_WAIT_MS": "0", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        time.sleep(1)
        idle = rss_mb(process.pid)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            done = pool.submit(burst, url, requests)
            peak = idle
            while not done.done():
                peak = max(peak, rss_mb(process.pid))
                time.sleep(0.2)
            done.result()
        after = rss_mb(process.pid)
        time.sleep(12)
        later = rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(30)
    return f"| {idle} | {peak} | {after} | {later} |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=24)
    args = parser.parse_args(argv)
    rows = [
        "| service | idle MB | peak MB | right after MB | 12 s later MB |",
        "|---|---|---|---|---|",
        f"| without the measures {measure(WITHOUT, args.requests)}",
        f"| defaults {measure({}, args.requests)}",
    ]
    sys.stdout.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
