"""A real `python -m service` in a subprocess on 127.0.0.1, as the image's CMD starts it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.deploy.manifests import ROOT

_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


class ServerProcess:
    """Starts the service with the given MT_ settings on a free port; collects its log lines."""

    def __init__(self, env: dict[str, str]) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("MT_")}
        full_env = {**clean, **env, "MT_HOST": "127.0.0.1", "MT_PORT": "0"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service"],
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._port: int | None = None
        self._port_seen = threading.Event()
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())
            match = _LISTENING.search(line)
            if match:
                self._port = int(match.group(1))
                self._port_seen.set()
        self._port_seen.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until /readyz answers 200; fail with the server's log if it never does."""
        deadline = time.monotonic() + timeout
        if not self._port_seen.wait(timeout) or self._port is None:
            raise RuntimeError("server did not start:\n" + "\n".join(self.lines))
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("server never became ready:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def copy_bundle(bundle: Path, models_dir: Path) -> Path:
    """A private copy of a sealed bundle in a fresh models folder (tests must not share one)."""
    shutil.copytree(bundle, models_dir / bundle.name)
    return models_dir
