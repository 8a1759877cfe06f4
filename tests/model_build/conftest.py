"""Tiny builds for the pipeline tests: the example tiny config pointed at test data and teachers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.checkpoint_cache import cached_checkpoint
from tests.factories import caption_pairs, make_m2m100_teacher

REPO = Path(__file__).resolve().parents[2]
TINY_CONFIG = REPO / "model_build" / "configs" / "tiny-en-de.yaml"


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> None:
    """Tiny models on a shared 2-core machine: more threads only add contention (10x slower)."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def caption_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 336 template captions as a parallel en/de corpus."""
    folder = tmp_path_factory.mktemp("captions")
    pairs = caption_pairs()
    (folder / "train.en").write_text("".join(en + "\n" for en, _ in pairs), encoding="utf-8")
    (folder / "train.de").write_text("".join(de + "\n" for _, de in pairs), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def m2m100_teacher(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A trained tiny M2M100 (`__en__`/`__de__` tokens, its own SentencePiece model)."""
    return cached_checkpoint(
        request,
        tmp_path_factory.mktemp("m2m100") / "m2m100",
        "m2m100",
        lambda folder: make_m2m100_teacher(folder, train_steps=300),
    )


def write_config(
    folder: Path, teacher: Path | str, data: Path, family: str = "marian", **overrides: Any
) -> Path:
    """The example tiny config with test data, teacher and work folder; returns its path."""
    raw = yaml.safe_load(TINY_CONFIG.read_text(encoding="utf-8"))
    raw["work_dir"] = str(folder / "work")
    raw["prepare"] = {
        "sources": [{"source": str(data / "train.en"), "target": str(data / "train.de")}],
        "holdout_dev": 30,
        "holdout_test": 30,
    }
    raw["teacher"] = {"family": family, "model": str(teacher)}
    for dotted, value in overrides.items():
        node = raw
        *parents, leaf = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "build.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path
