"""A bundle verifies itself: the service must refuse anything that differs from what was built."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bundle import BundleError, open_verified


@pytest.fixture
def bundle_copy(tiny_bundle: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_bundle, tmp_path / "en-de"))


def test_a_freshly_built_bundle_verifies(bundle_copy: Path) -> None:
    manifest = open_verified(bundle_copy)
    assert manifest.direction == "en-de"
    assert "model/model.bin" in manifest.files


def test_a_tampered_model_file_fails_its_checksum(bundle_copy: Path) -> None:
    with (bundle_copy / "source.spm").open("ab") as stream:
        stream.write(b"\0")
    with pytest.raises(BundleError, match=r"checksum mismatch for source\.spm"):
        open_verified(bundle_copy)


def test_every_problem_is_reported_at_once(bundle_copy: Path) -> None:
    (bundle_copy / "report.md").unlink()
    (bundle_copy / "extra.bin").write_bytes(b"unexpected")
    with pytest.raises(BundleError) as caught:
        open_verified(bundle_copy)
    assert caught.value.problems == [
        "missing file report.md",
        "file extra.bin is not listed in bundle.json",
    ]


def test_a_manifest_of_another_schema_version_is_refused(bundle_copy: Path) -> None:
    path = bundle_copy / "bundle.json"
    raw = json.loads(path.read_text())
    raw["schema_version"] = 99
    path.write_text(json.dumps(raw))
    with pytest.raises(BundleError, match="schema_version 99"):
        open_verified(bundle_copy)


def test_a_folder_without_manifest_is_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"no bundle\.json"):
        open_verified(tmp_path)
