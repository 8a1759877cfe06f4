"""The flywheel: with capture on, the low-confidence sentences a real service saw (and the
teacher's translations of them) land in a bounded folder, and ``model-build prepare`` takes
that folder as extra source text for the next build."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from model_build.config import load_config
from model_build.steps import prepare
from model_build.workdir import WorkDir, read_lines
from tests.factories import caption_pairs
from tests.service.routing.conftest import CAPTION, ODD
from tests.service.server import running_service

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
TINY_CONFIG = REPO / "model_build" / "configs" / "tiny-en-de.yaml"


def test_captured_low_sentences_become_the_next_builds_source_text(
    student_dir: Path, teacher_dir: Path, tmp_path: Path
) -> None:
    capture = tmp_path / "capture"
    env = {
        "MT_ROUTING_MODE": "escalate",
        "MT_ROUTING_TEACHER_DIR": str(teacher_dir),
        "MT_ROUTING_CAPTURE": "true",
        "MT_ROUTING_CAPTURE_DIR": str(capture),
        "MT_ROUTING_CAPTURE_MAX_RECORDS": "100",
    }
    with running_service(student_dir, tmp_path / "service.log", **env) as service:
        body = {"text": [f"{CAPTION} {ODD[3]}", ODD[4]], "source": "en", "target": "de"}
        answer = httpx.post(f"{service.url}/v1/translate", json=body, timeout=60).json()
        logs = service.logs()
    records = [json.loads(line) for path in capture.glob("*.jsonl") for line in path.open()]
    assert sorted(record["source"] for record in records) == sorted(ODD[3:5])  # not the caption
    escalated = {flag["sentence"] for q in answer["quality"] for flag in q["flagged"]}
    assert all(record["teacher"] for record in records if record["source"] in escalated)
    assert ODD[3] not in logs and ODD[4] not in logs  # captured, never logged

    data = tmp_path / "data"
    data.mkdir()
    pairs = caption_pairs()
    (data / "train.en").write_text("".join(en + "\n" for en, _ in pairs), encoding="utf-8")
    (data / "train.de").write_text("".join(de + "\n" for _, de in pairs), encoding="utf-8")
    prepare_section = {
        "sources": [{"source": str(data / "train.en"), "target": str(data / "train.de")}],
        "holdout_dev": 30,
        "holdout_test": 30,
        "captures": [str(capture)],
    }
    config = load_config(
        TINY_CONFIG, {"work_dir": str(tmp_path / "work"), "prepare": prepare_section}
    )
    artifact = prepare.run(config, WorkDir(config.work_path))
    train = read_lines(artifact.path / "train.src")
    assert set(ODD[3:5]) <= set(train)
    assert artifact.summary["captured"] == 2
    assert set(ODD[3:5]).isdisjoint(read_lines(artifact.path / "dev.src"))
