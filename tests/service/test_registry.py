"""Which folders of MT_MODELS_DIR are served: verified student bundles, one per direction."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from service.engine.registry import find_bundles
from service.errors import ModelsUnavailableError


def as_teacher(student: Path, folder: Path) -> Path:
    """A copy of the bundle marked `role: teacher` (bundle.json is not among its checksums)."""
    shutil.copytree(student, folder)
    manifest = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    (folder / "bundle.json").write_text(json.dumps({**manifest, "role": "teacher"}), "utf-8")
    return folder


def test_a_teacher_bundle_beside_the_student_is_skipped_with_a_line_saying_where_it_belongs(
    tiny_bundle: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copytree(tiny_bundle, tmp_path / "en-de")
    as_teacher(tiny_bundle, tmp_path / "en-de-teacher")

    with caplog.at_level(logging.INFO, logger="service.engine.registry"):
        served = find_bundles(tmp_path)

    assert [folder.name for folder, _ in served] == ["en-de"]
    assert "en-de-teacher: a teacher bundle (en-de)" in caplog.text
    assert "MT_ROUTING_TEACHER_DIR" in caplog.text


def test_a_models_folder_of_teachers_only_refuses_to_start_saying_what_to_do(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    as_teacher(tiny_bundle, tmp_path / "en-de-teacher")

    with pytest.raises(ModelsUnavailableError, match="holds only teacher bundles"):
        find_bundles(tmp_path)


def test_two_students_for_one_direction_refuse_to_start(tiny_bundle: Path, tmp_path: Path) -> None:
    shutil.copytree(tiny_bundle, tmp_path / "a")
    shutil.copytree(tiny_bundle, tmp_path / "b")

    with pytest.raises(ModelsUnavailableError, match="both serve en-de"):
        find_bundles(tmp_path)
