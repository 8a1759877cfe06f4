"""Session-wide tiny real models, built once per test run (see tests/factories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_bundle, make_marian_teacher


@pytest.fixture(scope="session")
def tiny_teacher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained tiny Marian en→de checkpoint: translates the template captions."""
    return make_marian_teacher(tmp_path_factory.mktemp("teacher"), train_steps=300)


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_teacher: Path) -> Path:
    """A sealed en→de bundle (CTranslate2 int8); copy it before changing anything in it."""
    return make_bundle(tmp_path_factory.mktemp("bundles") / "en-de", tiny_teacher)
