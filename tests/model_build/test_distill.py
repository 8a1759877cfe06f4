"""Distillation is resumable and shardable, and drops what a teacher gets wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from model_build.config import DistillConfig, load_config
from model_build.steps import distill, prepare
from model_build.steps.distill import cleaning_verdict, parse_shard, plan_chunks
from model_build.workdir import Incomplete, WorkDir, read_lines
from tests.model_build.conftest import write_config


def prepared(folder: Path, teacher: Path, data: Path) -> tuple[object, WorkDir]:
    path = write_config(folder, teacher, data, distill__batch_tokens=128,
                        distill__chunk_sentences=40)  # fmt: skip
    config = load_config(path)
    work = WorkDir(config.work_path)
    prepare.run(config, work)
    return config, work


def test_an_interrupted_distill_resumes_without_redoing_finished_chunks(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    config, work = prepared(tmp_path, tiny_teacher, caption_files)
    finished: list[int] = []

    def interrupt_after_two(chunk: int) -> None:
        finished.append(chunk)
        if len(finished) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        distill.run(config, work, on_chunk=interrupt_after_two)  # type: ignore[arg-type]
    assert work.done("distill") is None
    assert len(list((work.partial("distill") / "chunks").glob("*.json"))) == 2

    artifact = distill.run(config, work)  # type: ignore[arg-type]
    sources = read_lines(work.path("prepare") / "train.src")
    assert artifact.summary["chunks_reused"] == 2
    assert artifact.summary["chunks"] > 2
    assert len(read_lines(artifact.path / "raw.tgt")) == len(sources)
    assert artifact.summary["sentences"] == len(sources)


def test_shards_merged_equal_an_unsharded_run(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    whole_config, whole = prepared(tmp_path / "whole", tiny_teacher, caption_files)
    sharded_config, sharded = prepared(tmp_path / "sharded", tiny_teacher, caption_files)
    unsharded = distill.run(whole_config, whole)  # type: ignore[arg-type]
    for index in (0, 1):
        with pytest.raises(Incomplete):
            distill.run(sharded_config, sharded, shard=(index, 3))  # type: ignore[arg-type]
    merged = distill.run(sharded_config, sharded, shard=(2, 3))  # type: ignore[arg-type]
    for name in ("raw.tgt", "train.src", "train.tgt"):
        assert (merged.path / name).read_text() == (unsharded.path / name).read_text()


def test_chunks_are_length_sorted_batches_under_the_token_budget() -> None:
    sources = [" ".join(["w"] * n) for n in (5, 1, 9, 3, 7, 2, 8)]
    chunks = plan_chunks(sources, DistillConfig(batch_tokens=16, chunk_sentences=3))
    batches = [batch for chunk in chunks for batch in chunk]
    assert sorted(i for batch in batches for i in batch) == list(range(len(sources)))
    lengths = [len(sources[i].split()) for batch in batches for i in batch]
    assert lengths == sorted(lengths)
    assert all(max(len(sources[i].split()) for i in b) * len(b) <= 16 for b in batches)


@pytest.mark.parametrize(
    ("output", "verdict"),
    [
        ("", "empty"),
        ("Ein Hund Hund Hund Hund Hund läuft.", "repetition"),
        ("im Park im Park im Park im Park", "repetition"),
        ("Ein Hund läuft im Park und " * 8, "length_ratio"),
        ("Ein Hund läuft im Park.", None),
    ],
)
def test_cleaning_drops_empty_looping_and_absurdly_long_outputs(
    output: str, verdict: str | None
) -> None:
    assert cleaning_verdict("A dog is running in the park.", output, DistillConfig()) == verdict


def test_a_shard_is_i_of_n_counted_from_zero() -> None:
    assert parse_shard("3/16") == (3, 16)
    with pytest.raises(ValueError, match="0 <= i < n"):
        parse_shard("16/16")


def test_a_teacher_converted_to_ctranslate2_distills_every_line_and_leaves_no_conversion(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    path = write_config(tmp_path, tiny_teacher, caption_files, distill__engine="ctranslate2",
                        distill__compute_type="float32")  # fmt: skip
    config = load_config(path)
    work = WorkDir(config.work_path)
    prepare.run(config, work)
    artifact = distill.run(config, work)
    raw = read_lines(artifact.path / "raw.tgt")
    assert len(raw) == len(read_lines(work.path("prepare") / "train.src"))
    assert sum(line.startswith("Ein") or line.startswith("Eine") for line in raw) > len(raw) / 2
    assert not (artifact.path / "teacher-ct2").exists()
