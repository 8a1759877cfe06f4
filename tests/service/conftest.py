"""Fixtures for service tests: a models folder with two directions and a running service."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bundle import read_manifest, write_manifest
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
def overstated_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_teacher: Path) -> Path:
    """A bundle whose manifest claims 256 positions for a model that has 128 (as bundles built
    before max_output_tokens existed did): a long enough sentence really fails in CTranslate2."""
    # No normal range either (as such old bundles): only the model's limit cuts a sentence.
    folder = make_bundle(
        tmp_path_factory.mktemp("overstated") / "en-de", tiny_teacher, normal_range=False
    )
    manifest = read_manifest(folder)
    model = manifest.model.model_copy(update={"max_input_tokens": 256, "max_output_tokens": None})
    write_manifest(folder, manifest.model_copy(update={"model": model}))
    return folder


def poison_sentence() -> str:
    """Over 128 source tokens: the overstated bundle's model has no positions for them."""
    return " ".join(["A dog is running"] * 40)


@pytest.fixture(scope="session")
def service(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """One real service shared by the e2e cases that do not need special settings."""
    log = tmp_path_factory.mktemp("logs") / "service.log"
    with running_service(models_dir, log, **LIMITS) as running:
        yield running
