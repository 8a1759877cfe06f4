"""The bundle speed benchmark times every sentence of every bundle in each round, the first
bundle being the reference."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bundle_speed import compare

SENTENCES = ["A dog runs on the grass.", "Two men play football.", "A woman reads a book."] * 6


def test_each_bundle_translates_every_sentence_in_every_round(tiny_bundle: Path) -> None:
    rows = compare([tiny_bundle, tiny_bundle], SENTENCES, rounds=2, threads=1)

    assert [row["bundle"] for row in rows] == [str(tiny_bundle)] * 2
    assert rows[0]["speed_up"] == 1.0
    assert all(len(row["rounds"]) == 2 for row in rows)
    assert rows[0]["output_tokens"] == rows[1]["output_tokens"] >= len(SENTENCES)
