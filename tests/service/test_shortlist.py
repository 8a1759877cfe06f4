"""A bundle with a vocabulary shortlist: the service restricts the output layer to what the map
allows; the map is part of the bundle's contract (declared, checksummed); old bundles still serve.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sentencepiece as spm

from bundle import MANIFEST_NAME, BundleError, open_verified
from model_build.steps.shortlist import Shortlist, add_to_bundle, write_map
from service.engine.translator import BundleTranslator
from service.settings import ServiceSettings
from tests.service.server import running_service

ALLOWED_SENTENCE = "Ein Hund läuft im Park."
SOURCE = "A man is sitting on a bench."


def pieces(bundle: Path, text: str) -> list[str]:
    processor = spm.SentencePieceProcessor(model_file=str(bundle / "target.spm"))
    return list(processor.encode(text, out_type=str))


@pytest.fixture(scope="module")
def narrow_bundle(tiny_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny bundle with a map that allows only the pieces of one German sentence."""
    folder = tmp_path_factory.mktemp("narrow")
    shortlist = Shortlist(always=pieces(tiny_bundle, ALLOWED_SENTENCE), candidates={})
    map_file = write_map(shortlist, folder / "vmap.txt")
    return add_to_bundle(tiny_bundle, map_file, folder / "en-de")


def characters(text: str) -> set[str]:
    """What a text is written with (the tiny bundle's pieces are mostly single characters)."""
    return set(text) - {" "}


def test_without_a_map_the_translation_uses_words_the_narrow_map_forbids(
    tiny_bundle: Path,
) -> None:
    translator = BundleTranslator(tiny_bundle, open_verified(tiny_bundle), ServiceSettings())
    [result] = translator.translate([SOURCE])
    assert not translator.use_vocabulary_map
    assert "Bank" in result.text
    assert not characters(result.text) <= characters(ALLOWED_SENTENCE)


def test_with_a_map_the_translation_uses_only_the_target_pieces_it_allows(
    narrow_bundle: Path,
) -> None:
    translator = BundleTranslator(narrow_bundle, open_verified(narrow_bundle), ServiceSettings())
    [result] = translator.translate([SOURCE])
    assert translator.use_vocabulary_map
    assert result.output_tokens > 0
    assert characters(result.text) <= characters(ALLOWED_SENTENCE)


def test_the_service_serves_a_bundle_with_its_map(narrow_bundle: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(narrow_bundle, models / "en-de")
    with running_service(models, tmp_path / "service.log") as service:
        response = httpx.post(
            f"{service.url}/v1/translate",
            json={"text": [SOURCE], "source": "en", "target": "de"},
            timeout=30,
        )
    assert response.status_code == 200
    [translation] = response.json()["translations"]
    assert translation and characters(translation) <= characters(ALLOWED_SENTENCE)


def test_the_map_is_declared_and_checksummed_in_the_manifest(narrow_bundle: Path) -> None:
    manifest = open_verified(narrow_bundle)
    assert manifest.model.vocabulary_map == "model/vmap.txt"
    assert "model/vmap.txt" in manifest.files


def test_a_tampered_map_is_refused(narrow_bundle: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(narrow_bundle, tmp_path / "en-de"))
    with (copy / "model" / "vmap.txt").open("a", encoding="utf-8") as stream:
        stream.write("▁man\t▁Bank\n")
    with pytest.raises(BundleError, match=r"checksum mismatch for model/vmap\.txt"):
        open_verified(copy)


def copy_with_manifest(
    bundle: Path, folder: Path, edit: Callable[[dict[str, Any]], object]
) -> Path:
    """A copy of `bundle` whose bundle.json was changed by `edit` after sealing."""
    copy = Path(shutil.copytree(bundle, folder / "en-de"))
    manifest = json.loads((copy / MANIFEST_NAME).read_text(encoding="utf-8"))
    edit(manifest)
    (copy / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return copy


def test_a_declared_map_that_is_missing_is_refused(narrow_bundle: Path, tmp_path: Path) -> None:
    copy = copy_with_manifest(
        narrow_bundle, tmp_path, lambda manifest: manifest["files"].pop("model/vmap.txt")
    )
    (copy / "model" / "vmap.txt").unlink()
    with pytest.raises(BundleError, match=r"required file model/vmap\.txt is not part"):
        open_verified(copy)


def test_a_map_anywhere_but_the_model_folder_is_an_invalid_manifest(
    narrow_bundle: Path, tmp_path: Path
) -> None:
    copy = copy_with_manifest(
        narrow_bundle,
        tmp_path,
        lambda manifest: manifest["model"].update(vocabulary_map="vmap.txt"),
    )
    with pytest.raises(BundleError, match=r"vocabulary_map must be model/vmap\.txt"):
        open_verified(copy)


def test_a_bundle_written_before_the_shortlist_existed_still_serves(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    copy = copy_with_manifest(
        tiny_bundle, tmp_path, lambda manifest: manifest["model"].pop("vocabulary_map", None)
    )
    translator = BundleTranslator(copy, open_verified(copy), ServiceSettings())
    assert not translator.use_vocabulary_map
    assert translator.translate([SOURCE])[0].output_tokens > 0
