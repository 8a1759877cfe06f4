"""Fixtures for service tests: a models folder with two directions and a running service."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import make_bundle
from tests.service.server import RunningService, running_service

# Small limits so that every limit can be hit cheaply; generous enough for the other cases.
LIMITS = {
    "MT_MAX_BODY_BYTES": "4000",
    "MT_MAX_CHARS_PER_REQUEST": "1500",
    "MT_MAX_TEXTS_PER_REQUEST": "40",
}


@pytest.fixture(autouse=True)
def _clean_mt_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No MT_ variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("MT_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def models_dir(
    tmp_path_factory: pytest.TempPathFactory, tiny_teacher: Path, tiny_bundle: Path
) -> Path:
    """en-de (the shared tiny bundle) and de-en (the same weights, labelled the other way)."""
    folder = tmp_path_factory.mktemp("models")
    shutil.copytree(tiny_bundle, folder / "en-de")
    make_bundle(folder / "de-en", tiny_teacher, source_lang="de", target_lang="en")
    return folder


@pytest.fixture(scope="session")
def service(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """One real service shared by the e2e cases that do not need special settings."""
    log = tmp_path_factory.mktemp("logs") / "service.log"
    with running_service(models_dir, log, **LIMITS) as running:
        yield running
