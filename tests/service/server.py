"""Start the real service (``python -m service``) on loopback in a subprocess, for e2e tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningService:
    process: subprocess.Popen[str]
    url: str
    log: Path

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def service_env(models_dir: Path, **env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MT_")}
    return {
        **base,
        "MT_MODELS_DIR": str(models_dir),
        "MT_INTRA_THREADS": "1",
        "MT_ACCESS_LOG": "false",
        "PYTHONPATH": str(REPO),
        **env,
    }


@contextmanager
def running_service(
    models_dir: Path, log: Path, timeout: float = 60.0, **env: str
) -> Iterator[RunningService]:
    """Yield a service that answered /readyz 200; stop it (SIGTERM, then SIGKILL) after."""
    port = free_port()
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
            env=service_env(models_dir, **env),
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
        )
    service = RunningService(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_ready(service, timeout)
        yield service
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(service: RunningService, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"service exited early:\n{service.logs()}")
        try:
            if httpx.get(f"{service.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"service not ready after {timeout} s:\n{service.logs()}")


def start_and_fail(models_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m service` expecting it to refuse to start; its exit and output."""
    return subprocess.run(
        [sys.executable, "-m", "service", "--port", str(free_port())],
        env=service_env(models_dir, **env),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


@contextmanager
def serving_in_thread(app: ASGIApp) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, in a thread; yield its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
