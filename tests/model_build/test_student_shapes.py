"""The shape benchmark times students that were never trained: its premise is that each one is
the shape asked for, converted as the build converts, and decodes exactly the steps asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.student_shapes import System, build_shape, parse_shape
from model_build.config import load_config
from model_build.pipeline import run_step
from model_build.workdir import WorkDir
from tests.model_build.conftest import write_config


def test_a_shape_names_the_layers_the_decoder_ffn_and_optionally_the_width() -> None:
    assert parse_shape("6/1/768") == {
        "encoder_layers": 6,
        "decoder_layers": 1,
        "decoder_ffn_dim": 768,
    }
    assert parse_shape("4/2/512/128")["d_model"] == 128


@pytest.mark.slow
def test_a_random_student_of_the_shape_decodes_the_fixed_number_of_steps(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    path = write_config(tmp_path, tiny_teacher, caption_files)
    config = load_config(path)
    work = WorkDir(config.work_path)
    for step in ("prepare", "distill", "vocab", "shortlist"):
        run_step(step, config, work)

    model = build_shape(path, parse_shape("2/1/96"), tmp_path / "shape")

    checkpoint = json.loads((tmp_path / "shape/checkpoint/config.json").read_text())
    assert (checkpoint["decoder_layers"], checkpoint["decoder_ffn_dim"]) == (1, 96)
    assert checkpoint["encoder_layers"] == 2
    assert (model / "vmap.txt").is_file()
    system = System("2/1/96", model, work.path("vocab") / "source.spm", threads=1)
    lengths = system.run(["A dog runs.", "Two men in red shirts play football on the grass."], 9)
    assert lengths == [9, 9] and len(system.times) == 1
    unmapped = System("full layer", model, work.path("vocab") / "source.spm", 1, use_vmap=False)
    assert system.use_vmap and not unmapped.use_vmap
    assert unmapped.run(["A dog runs."], 9) == [9]
