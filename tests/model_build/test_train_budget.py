"""The training budget is counted in steps, never minutes: the same config builds the same student.

Issue 21: a wall-clock cap made the shipped model depend on the machine's speed. These tests train
the tiny example student (40 steps) on the template captions and pin down what must not vary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from safetensors.torch import load_file

from bundle import open_verified
from model_build.config import load_config
from model_build.pipeline import run_all, run_step
from model_build.steps.train import SafetyStopError
from model_build.workdir import WorkDir
from tests.model_build.conftest import write_config

pytestmark = pytest.mark.slow


def train_references(folder: Path, teacher: Path, data: Path, **overrides: Any) -> WorkDir:
    """prepare → vocab → train on the references (no teacher run needed); returns the work dir."""
    config = load_config(write_config(folder, teacher, data, train__data="references", **overrides))
    work = WorkDir(config.work_path)
    for step in ("prepare", "vocab", "train"):
        run_step(step, config, work)
    return work


def weights(work: WorkDir) -> dict[str, Any]:
    return load_file(str(work.path("train") / "model" / "model.safetensors"))


def same_weights(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.keys() == b.keys() and all(bool((a[name] == b[name]).all()) for name in a)


@pytest.fixture(scope="module")
def first_run(
    tmp_path_factory: pytest.TempPathFactory, tiny_teacher: Path, caption_files: Path
) -> WorkDir:
    return train_references(tmp_path_factory.mktemp("first"), tiny_teacher, caption_files)


def test_two_runs_of_one_config_train_the_same_student(
    first_run: WorkDir, tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    second = train_references(tmp_path, tiny_teacher, caption_files)
    assert (second.done("train") or {})["summary"]["best_dev_chrf"] == (
        first_run.done("train") or {}
    )["summary"]["best_dev_chrf"]
    assert same_weights(weights(first_run), weights(second))


def test_the_minutes_are_a_safety_stop_that_fails_loudly_and_a_rerun_resumes_to_the_same_student(
    first_run: WorkDir, tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    stop = r"train.max_minutes=1e-05 reached at step \d+ of 40 steps .*: a model cut by the clock"
    with pytest.raises(SafetyStopError, match=stop):
        train_references(tmp_path, tiny_teacher, caption_files, train__max_minutes=1e-5)
    work = WorkDir(tmp_path / "work")
    assert work.done("train") is None and (work.partial("train") / "last").is_dir()

    resumed = train_references(tmp_path, tiny_teacher, caption_files)

    summary = (resumed.done("train") or {})["summary"]
    assert summary["steps"] == 40 and summary["stopped_by"] == "max_steps"
    assert same_weights(weights(first_run), weights(resumed))


def test_the_bundle_and_report_record_the_budget_and_say_which_figures_depend_on_the_machine(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    config = load_config(write_config(tmp_path, tiny_teacher, caption_files))
    run_all(config, WorkDir(config.work_path))

    manifest = open_verified(config.output_path)
    training = manifest.training
    assert training is not None
    assert (training.steps, training.stopped_by, training.seed) == (40, "max_steps", 1)
    assert training.tokens > 40 * 100 and training.precision == "fp32"
    assert "vCPU" in training.hardware and training.seconds > 0
    report = (config.output_path / "report.md").read_text(encoding="utf-8")
    assert "## Training\n\n40 steps (" in report
    assert "every quality figure in this report should come out the same" in report
    build = report[report.index("## Build") :]
    for step in ("prepare", "distill", "vocab", "train", "convert", "evaluate"):
        assert f"| {step} | " in build
    assert "| ? |" not in build  # every step recorded its peak memory and machine
