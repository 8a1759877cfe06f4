"""``--start``: run the service itself (``python -m service``, the embedded bundle by default)
on a free loopback port, with its own temporary folder (``TMPDIR``) so leftover temp files
can be counted exactly, and its log in a file so tracebacks can be counted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.reliability.common import REPO


@dataclass
class StartedServer:
    process: subprocess.Popen[bytes]
    url: str
    tmp: Path
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch(workdir: Path, name: str, **settings: str) -> StartedServer:
    """Start ``python -m service`` on 127.0.0.1 (`settings`: extra ``MT_`` variables) and wait
    (at most 120 s) until /readyz is 200."""
    tmp, log = workdir / f"{name}-tmp", workdir / f"{name}.log"
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "MT_ACCESS_LOG": "false",
        "PYTHONPATH": str(REPO),
        **settings,
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    server = StartedServer(process, f"http://127.0.0.1:{port}", tmp, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop(server)
    raise TimeoutError(f"the service was not ready within 120 s; see {log}")


def stop(server: StartedServer, timeout: float = 40) -> int:
    """SIGTERM, then SIGKILL after `timeout` s; the exit code."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


@contextmanager
def started(workdir: Path, name: str = "server", **settings: str) -> Iterator[StartedServer]:
    server = launch(workdir, name, **settings)
    try:
        yield server
    finally:
        stop(server)
