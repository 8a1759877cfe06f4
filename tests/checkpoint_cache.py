"""Trained test checkpoints kept in pytest's cache between local runs (CI starts without one)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest


def cached_checkpoint(
    request: pytest.FixtureRequest, folder: Path, name: str, build: Callable[[Path], Path]
) -> Path:
    """`build(folder)`'s checkpoint, copied from the cache when the same code already built it."""
    key = hashlib.sha256(name.encode())
    key.update(Path(__file__).with_name("factories.py").read_bytes())
    for package in ("torch", "transformers", "sentencepiece"):
        key.update(version(package).encode())
    cached = request.config.cache.mkdir("checkpoints") / f"{name}-{key.hexdigest()[:16]}"
    if not cached.exists():
        built = build(folder.with_name(folder.name + "-build"))
        partial = cached.with_name(f"{cached.name}.{os.getpid()}")
        shutil.copytree(built, partial)
        try:
            partial.rename(cached)
        except OSError:  # another run cached it first
            shutil.rmtree(partial)
    shutil.copytree(cached, folder)
    return folder
