"""Tiny builds for the pipeline tests: the example tiny config pointed at test data and teachers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.checkpoint_cache import cached_checkpoint
from tests.factories import (
    caption_pairs,
    make_m2m100_teacher,
    make_madlad_teacher,
    make_mbart50_teacher,
    make_nllb_teacher,
)

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


TRAIN_STEPS = 300  # alternating en→de and de→en batches: text both ways, not loops


def trained(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    make: Callable[..., Path],
) -> Path:
    """`make`'s checkpoint trained for TRAIN_STEPS, from the cache when the code is unchanged."""
    folder = tmp_path_factory.mktemp(name) / name
    build = functools.partial(make, train_steps=TRAIN_STEPS)
    return cached_checkpoint(request, folder, f"{name}-{TRAIN_STEPS}", build)


@pytest.fixture(scope="session")
def m2m100_teacher(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A trained tiny M2M100, both ways (`__en__`/`__de__` tokens, its own SentencePiece)."""
    return trained(request, tmp_path_factory, "m2m100", make_m2m100_teacher)


@pytest.fixture(scope="session")
def nllb_teacher(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained tiny NLLB-200 (`eng_Latn`/`deu_Latn`), both ways."""
    return trained(request, tmp_path_factory, "nllb", make_nllb_teacher)


@pytest.fixture(scope="session")
def mbart50_teacher(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A trained tiny mBART-50 many-to-many (`en_XX`/`de_DE`, no tokenizer.json), both ways."""
    return trained(request, tmp_path_factory, "mbart50", make_mbart50_teacher)


@pytest.fixture(scope="session")
def madlad_teacher(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A trained tiny MADLAD-400 (T5, `<2de>`/`<2en>` source tags), both ways."""
    return trained(request, tmp_path_factory, "madlad", make_madlad_teacher)


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
