"""The quick student score agrees with the evaluate step's, so experiments can be compared
without the rest of that step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.checkpoint_bleu import scores
from model_build.config import load_config
from model_build.pipeline import run_all
from model_build.workdir import WorkDir
from tests.model_build.conftest import write_config


@pytest.mark.slow
def test_the_quick_score_is_the_evaluate_steps_student_score(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    config = load_config(
        write_config(tmp_path, tiny_teacher, caption_files, shortlist__enabled=False)
    )
    work = WorkDir(config.work_path)
    run_all(config, work)
    evaluated = (work.done("evaluate") or {})["summary"]["quality"]
    threads = config.evaluate.threads or os.cpu_count() or 1  # as evaluate: batches alike
    rows = scores(config.work_path, beam=config.evaluate.beam_size, threads=threads)
    assert [name for name, _, _ in rows] == [*evaluated, "dev"]
    for name, bleu, chrf in rows[:-1]:
        assert (round(bleu, 2), round(chrf, 2)) == (
            evaluated[name]["student"]["bleu"],
            evaluated[name]["student"]["chrf"],
        )
