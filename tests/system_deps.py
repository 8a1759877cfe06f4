"""The servers some integration tests start on loopback: Redis, Prometheus and promtool.

`make test` installs them where it can (as root with apt-get, `make system-deps`). Where one is
missing its tests skip with one line naming what to install, never a traceback; under `CI=true`
(set by `.ci/run`) they fail instead, so CI never passes without running them all.
"""

from __future__ import annotations

import os
import shutil

import pytest

# The Debian/Ubuntu package that brings each server.
PACKAGES = {"redis-server": "redis-server", "prometheus": "prometheus", "promtool": "prometheus"}
# The headless browser of the web page's tests (tests/service/web).
PACKAGES |= {"chromium": "chromium", "chromedriver": "chromium-driver"}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_server(name: str) -> str:
    """The server's path on PATH; when missing, skip (fail in CI) with one line."""
    path = shutil.which(name)
    if path is not None:
        return path
    message = (
        f"{name} is not installed: run `sudo make system-deps` "
        f"(Debian/Ubuntu package {PACKAGES[name]})"
    )
    if in_ci():
        pytest.fail(f"{message}; CI=true needs every server", pytrace=False)
    pytest.skip(message)
