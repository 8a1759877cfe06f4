"""The bundle speed benchmark times every sentence of every system in each round, the first
bundle being the reference; the build's own teacher, as users run it, can join the rounds."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bundle_speed import compare, load_systems
from tests.model_build.conftest import write_config

SENTENCES = ["A dog runs on the grass.", "Two men play football.", "A woman reads a book."] * 6


def test_each_bundle_translates_every_sentence_in_every_round(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "same"  # the same bundle under a second name
    copy.symlink_to(tiny_bundle)
    rows = compare(load_systems([tiny_bundle, copy], threads=1), SENTENCES, rounds=2)

    assert [row["system"] for row in rows] == [str(tiny_bundle), str(copy)]
    assert rows[0]["speed_up"] == 1.0
    assert all(len(row["rounds"]) == 2 for row in rows)
    assert rows[0]["output_tokens"] == rows[1]["output_tokens"] >= len(SENTENCES)


def test_the_builds_teacher_is_timed_in_the_same_rounds(
    tiny_bundle: Path, tiny_teacher: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, tiny_teacher, data=tmp_path)  # only its teacher is read
    systems = load_systems([tiny_bundle], threads=1, teacher_of=config)
    rows = compare(systems, SENTENCES, rounds=2)

    assert rows[1]["system"] == f"teacher of {config} (marian)"
    assert len(rows[1]["rounds"]) == 2
    assert rows[1]["output_tokens"] >= len(SENTENCES)
