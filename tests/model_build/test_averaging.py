"""Checkpoint averaging: the student may be the mean of its last evaluations' weights, kept only
when that mean scores better on dev than the best single checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from model_build import averaging
from tests.model_build.test_train_budget import train_references, weights


def test_the_average_is_the_mean_of_float_weights_and_the_last_of_the_rest(tmp_path: Path) -> None:
    for step, value in ((10, 1.0), (20, 2.0), (30, 6.0)):
        state = {"w": torch.full((2,), value), "count": torch.tensor([step])}
        averaging.keep(state, tmp_path, step, most=2)
    kept = averaging.checkpoints(tmp_path)
    assert [path.name for path in kept] == ["step-00000020.pt", "step-00000030.pt"]
    mean = averaging.average(kept)
    assert mean["w"].tolist() == [4.0, 4.0]
    assert mean["count"].tolist() == [30]


@pytest.mark.slow
def test_training_scores_the_average_on_dev_and_keeps_the_better_model(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    work = train_references(
        tmp_path, tiny_teacher, caption_files, train__eval_every=10, train__average_checkpoints=3
    )
    summary = (work.done("train") or {})["summary"]
    log = json.loads((work.path("train") / "dev.log.json").read_text(encoding="utf-8"))
    singles = [entry["chrf"] for entry in log if "averaged" not in entry]
    [averaged] = [entry for entry in log if "averaged" in entry]
    assert len(singles) == 4 and averaged["averaged"] == 3 and averaged["step"] == 40
    if averaged["chrf"] > max(singles):
        assert summary["averaged_checkpoints"] == 3
        assert summary["best_dev_chrf"] == averaged["chrf"]
    else:
        assert summary["averaged_checkpoints"] == 0
        assert summary["best_dev_chrf"] == max(singles)
    assert weights(work)  # the kept model is written either way
    assert not (work.partial("train") / "averaged").exists()
