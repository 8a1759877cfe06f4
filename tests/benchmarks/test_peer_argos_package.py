"""The Argos package built from a bundle: what LibreTranslate needs to serve the same model.

Checked on the embedded bundle without LibreTranslate (the benchmark itself needs it; CI does
not): the spaCy step is left out, it runs in LibreTranslate's venv.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from benchmarks.peer.argos_package import PackageError, build_package
from bundle import open_verified, read_manifest, seal, sha256_of
from service.settings import EMBEDDED_BUNDLES

BUNDLE = EMBEDDED_BUNDLES / "en-de"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(BUNDLE, tmp_path_factory.mktemp("argos")).folder


def test_metadata_names_the_direction_and_versions(package: Path) -> None:
    manifest = open_verified(BUNDLE)
    metadata = json.loads((package / "metadata.json").read_text(encoding="utf-8"))
    assert (metadata["from_code"], metadata["to_code"]) == ("en", "de")
    assert (metadata["from_name"], metadata["to_name"]) == ("English", "German")
    assert metadata["package_version"] == manifest.version
    assert metadata["argos_version"] and metadata["type"] == "translate"
    assert package.name == f"translate-en_de-{manifest.version.replace('.', '_')}"


def test_model_is_the_bundles_with_the_end_marker_added_by_ctranslate2(package: Path) -> None:
    original = json.loads((BUNDLE / "model" / "config.json").read_text(encoding="utf-8"))
    config = json.loads((package / "model" / "config.json").read_text(encoding="utf-8"))
    assert original["add_source_eos"] is False
    assert config == {**original, "add_source_eos": True}
    assert sha256_of(package / "model" / "model.bin") == sha256_of(BUNDLE / "model" / "model.bin")


def test_tokenizer_is_the_bundles_sentencepiece_model(package: Path) -> None:
    spm_bytes = (package / "sentencepiece.model").read_bytes()
    assert spm_bytes == (BUNDLE / "source.spm").read_bytes()


def test_archive_holds_the_package_folder_at_its_root(package: Path) -> None:
    archive = package.with_name(package.name + ".argosmodel")
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
    expected = {
        str(path.relative_to(package.parent)) for path in package.rglob("*") if path.is_file()
    }
    assert expected <= names
    assert f"{package.name}/metadata.json" in names


def test_an_existing_package_is_not_overwritten_unless_forced(package: Path) -> None:
    with pytest.raises(PackageError, match="exists"):
        build_package(BUNDLE, package.parent)
    assert build_package(BUNDLE, package.parent, force=True).folder == package


def test_a_bundle_with_two_sentencepiece_models_is_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "en-de"
    shutil.copytree(BUNDLE, bundle)
    with (bundle / "target.spm").open("ab") as target:
        target.write(b"\0")
    seal(bundle, read_manifest(bundle))
    with pytest.raises(PackageError, match="SentencePiece models differ"):
        build_package(bundle, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_python_without_spacy_is_named_in_the_error(tmp_path: Path) -> None:
    if importlib.util.find_spec("spacy") is not None:
        pytest.skip("this venv has spaCy; the error needs a Python without it")
    with pytest.raises(PackageError, match="blank spaCy pipeline"):
        build_package(BUNDLE, tmp_path, spacy_python=Path(sys.executable))
    assert not list(tmp_path.glob("translate-*"))
