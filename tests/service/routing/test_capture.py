"""The flywheel's capture store: bounded, rotating, nothing but the sentence and its verdict."""

from __future__ import annotations

import json
from pathlib import Path

from service.routing.capture import CaptureRecord, FolderCapture


def record(number: int, teacher: str | None = None) -> CaptureRecord:
    return CaptureRecord.now("en-de", f"Odd sentence {number}.", teacher, ["low_score"], 0.31)


def test_records_are_json_lines_with_the_sentence_and_the_teachers_translation(
    tmp_path: Path,
) -> None:
    store = FolderCapture(tmp_path, max_records=100, ttl_days=1)
    store.add([record(1, teacher="Seltsamer Satz 1."), record(2)])
    lines = [json.loads(line) for path in store.files() for line in path.open()]
    assert [(line["source"], line["teacher"]) for line in lines] == [
        ("Odd sentence 1.", "Seltsamer Satz 1."),
        ("Odd sentence 2.", None),
    ]
    assert set(lines[0]) == {"direction", "source", "teacher", "reasons", "confidence", "at"}


def test_the_store_keeps_at_most_max_records_dropping_the_oldest_files(tmp_path: Path) -> None:
    store = FolderCapture(tmp_path, max_records=50, ttl_days=1)  # 10 files of 5
    store.add([record(number) for number in range(200)])
    sources = [json.loads(line)["source"] for path in store.files() for line in path.open()]
    assert len(store.files()) == 10
    assert sources == [f"Odd sentence {number}." for number in range(150, 200)]
