"""Session-wide tiny real models, built once per test run (see tests/factories.py).

Trained checkpoints are also kept in pytest's cache, keyed by the code that makes them and the
library versions that train them, so repeated local runs do not retrain them; a clean checkout
(CI) has no cache and trains them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checkpoint_cache import cached_checkpoint
from tests.factories import make_bundle, make_marian_teacher


@pytest.fixture(scope="session")
def tiny_teacher(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained tiny Marian en→de checkpoint: translates the template captions."""
    return cached_checkpoint(
        request,
        tmp_path_factory.mktemp("teacher") / "marian",
        "marian",
        lambda folder: make_marian_teacher(folder, train_steps=300),
    )


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_teacher: Path) -> Path:
    """A sealed en→de bundle (CTranslate2 int8); copy it before changing anything in it."""
    return make_bundle(tmp_path_factory.mktemp("bundles") / "en-de", tiny_teacher)
