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
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.reliability.common import rss_mb
from benchmarks.reliability.server import started

WORDS = ["dog", "man", "street", "water", "play", "the", "a", "red", "ball", "child", "with"]
WITHOUT = {"MT_MALLOC_ARENAS": "0", "MT_MEMORY_TRIM_SECONDS": "0", "MT_CACHE_MAX_BYTES": "0"}


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
    with (
        tempfile.TemporaryDirectory() as workdir,
        started(Path(workdir), "memory", MT_MAX_QUEUE_WAIT_MS="0", **env) as server,
    ):
        pid = server.process.pid
        time.sleep(1)
        idle = peak = rss_mb(pid) or 0.0
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            done = pool.submit(burst, server.url, requests)
            while not done.done():
                peak = max(peak, rss_mb(pid) or 0.0)
                time.sleep(0.2)
            done.result()
        after = rss_mb(pid) or 0.0
        time.sleep(12)
        later = rss_mb(pid) or 0.0
    return f"| {idle:.0f} | {peak:.0f} | {after:.0f} | {later:.0f} |"


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
