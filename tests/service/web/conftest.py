"""A real service for the page's tests: en-de and de-en, the en-de bundle with a hostile
build report (raw HTML, a javascript: link) and the embedded bundle's plot as its image."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bundle import read_manifest, seal
from service.settings import EMBEDDED_BUNDLES
from tests.service.routing.conftest import student_dir, teacher_dir
from tests.service.server import RunningService, running_service

__all__ = ["student_dir", "teacher_dir"]  # the cascade tests' models, for the escalation case

HOSTILE_REPORT = """# Hostile report <script>alert('report')</script>

<img src=x onerror="alert('img')">

[click me](javascript:alert('link'))

![quality against speed](quality_speed.png)

| system | BLEU |
|---|---|
| student | 38.3 |
"""


@pytest.fixture(scope="session")
def web_models_dir(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web-models")
    shutil.copytree(models_dir, folder, dirs_exist_ok=True)
    en_de = folder / "en-de"
    (en_de / "report.md").write_text(HOSTILE_REPORT, encoding="utf-8")
    shutil.copy(EMBEDDED_BUNDLES / "en-de" / "quality_speed.png", en_de / "quality_speed.png")
    seal(en_de, read_manifest(en_de))
    return folder


@pytest.fixture(scope="session")
def web_service(
    web_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("web-logs") / "service.log"
    with running_service(web_models_dir, log, MT_UI_DEBOUNCE_MS="300") as running:
        yield running


@pytest.fixture(scope="session")
def escalating_service(
    student_dir: Path, teacher_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """The cascade tests' student with MT_ROUTING_MODE=escalate to their tiny teacher."""
    log = tmp_path_factory.mktemp("escalating-logs") / "service.log"
    env = {
        "MT_ROUTING_MODE": "escalate",
        "MT_ROUTING_TEACHER_PROTOCOL": "bundle",
        "MT_ROUTING_TEACHER_DIR": str(teacher_dir),
        "MT_CACHE_SIZE": "0",
    }
    with running_service(student_dir, log, **env) as running:
        yield running
