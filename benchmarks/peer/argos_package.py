"""An Argos Translate package built from a bundle, so LibreTranslate serves the very same model.

Usage::

    python -m benchmarks.peer.argos_package --bundle service/bundles/en-de \\
        --out work/argos --spacy-python work/libretranslate-venv/bin/python

Writes, under ``--out``::

    translate-en_de-0_1_0/
      metadata.json         from/to codes and names, package and Argos versions, type translate
      model/                the bundle's CTranslate2 model; config.json gains add_source_eos: true
      sentencepiece.model   the bundle's SentencePiece model (source and target must be one file)
      README.md             which bundle it came from, with the sha256 of model.bin
      spacy/                a blank spaCy pipeline (with --spacy-python); see below
    translate-en_de-0_1_0.argosmodel   the same folder zipped, what Argos installs

Argos encodes with ``sentencepiece.model`` and feeds the pieces without the end marker the
student was trained with; ``add_source_eos`` makes CTranslate2 append it, as this service's
``BundleTranslator.tokenize`` does, so both servers feed the model the same tokens.

Sentence splitting: LibreTranslate's default splitter (MiniSBD) downloads an ONNX model on
first use. With ``ARGOS_CHUNK_TYPE=SPACY`` Argos instead loads the package's ``spacy/`` folder
and adds spaCy's rule-based ``sentencizer`` to it: a blank pipeline needs no download. It is
written by the Python that will load it (LibreTranslate's own venv), so this project never
depends on spaCy.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bundle import Manifest, open_verified, sha256_of

logger = logging.getLogger(__name__)

ARGOS_VERSION = "1.9.0"
"""The Argos package format the metadata declares (LibreTranslate 1.9 reads it)."""

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "cs": "Czech",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "ja": "Japanese",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "uk": "Ukrainian",
    "zh": "Chinese",
}

BLANK_SPACY = "import spacy, sys; spacy.blank(sys.argv[1]).to_disk(sys.argv[2])"


class PackageError(Exception):
    """The bundle cannot be served by Argos as it is, or the output exists."""


@dataclass(frozen=True)
class ArgosPackage:
    folder: Path
    archive: Path
    from_code: str
    to_code: str


def package_name(manifest: Manifest) -> str:
    """Argos's own naming: translate-<from>_<to>-<version with underscores>."""
    version = manifest.version.replace(".", "_")
    return f"translate-{manifest.source_lang}_{manifest.target_lang}-{version}"


def check_servable(folder: Path, manifest: Manifest) -> None:
    """Argos has one SentencePiece model for both sides and no source prefix: refuse what it
    would translate differently from this service."""
    problems = []
    tokenizer = manifest.tokenizer
    source, target = folder / tokenizer.source_spm, folder / tokenizer.target_spm
    if sha256_of(source) != sha256_of(target):
        problems.append("source and target SentencePiece models differ; Argos has one")
    if tokenizer.source_prefix or tokenizer.target_prefix:
        problems.append("the bundle has a source or target prefix; Argos would not add it")
    if problems:
        raise PackageError(f"{folder}: " + "; ".join(problems))


def metadata(manifest: Manifest) -> dict[str, object]:
    source, target = manifest.source_lang, manifest.target_lang
    return {
        "package_version": manifest.version,
        "argos_version": ARGOS_VERSION,
        "type": "translate",
        "from_code": source,
        "from_name": LANGUAGE_NAMES.get(source, source),
        "to_code": target,
        "to_name": LANGUAGE_NAMES.get(target, target),
        "links": [],
    }


def copy_model(source: Path, destination: Path) -> None:
    """The CTranslate2 folder, with the end marker appended by CTranslate2 itself."""
    shutil.copytree(source, destination)
    config_path = destination / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["add_source_eos"] = True
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def readme(manifest: Manifest, model_sha256: str) -> str:
    return (
        f"# {manifest.name} {manifest.version} ({manifest.source_lang} -> "
        f"{manifest.target_lang})\n\nBuilt by benchmarks/peer/argos_package.py from the "
        f"distilled-mt bundle of that name, for a side-by-side benchmark.\n"
        f"model.bin sha256: {model_sha256}\n"
    )


def write_blank_spacy(python: Path, language: str, destination: Path) -> None:
    """A blank spaCy pipeline, written by the interpreter that will load it."""
    done = subprocess.run(
        [str(python), "-c", BLANK_SPACY, language, str(destination)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise PackageError(
            f"{python} could not write a blank spaCy pipeline (is spaCy installed there?): "
            f"{done.stderr.strip()[-500:]}"
        )


def zip_folder(folder: Path, archive: Path) -> None:
    """The folder itself at the archive's root, as Argos extracts it into its package dir."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            out.write(path, path.relative_to(folder.parent))


def build_package(
    bundle: Path, out: Path, spacy_python: Path | None = None, force: bool = False
) -> ArgosPackage:
    """Write the package folder and its .argosmodel archive under `out` (refused if they exist,
    unless `force`)."""
    manifest = open_verified(bundle)
    check_servable(bundle, manifest)
    name = package_name(manifest)
    folder, archive = out / name, out / f"{name}.argosmodel"
    if (folder.exists() or archive.exists()) and not force:
        raise PackageError(f"{folder} exists (use force to replace it)")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as scratch:
        staged = Path(scratch) / name
        staged.mkdir()
        (staged / "metadata.json").write_text(
            json.dumps(metadata(manifest), indent=2) + "\n", encoding="utf-8"
        )
        copy_model(bundle / manifest.model.path, staged / "model")
        shutil.copyfile(bundle / manifest.tokenizer.source_spm, staged / "sentencepiece.model")
        model_sha = sha256_of(staged / "model" / "model.bin")
        (staged / "README.md").write_text(readme(manifest, model_sha), encoding="utf-8")
        if spacy_python is not None:
            write_blank_spacy(spacy_python, manifest.source_lang, staged / "spacy")
        zip_folder(staged, Path(scratch) / archive.name)
        shutil.rmtree(folder, ignore_errors=True)
        archive.unlink(missing_ok=True)
        staged.rename(folder)
        (Path(scratch) / archive.name).rename(archive)
    logger.info("wrote %s and %s", folder, archive.name)
    return ArgosPackage(folder, archive, manifest.source_lang, manifest.target_lang)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True, help="a bundle folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for the package")
    parser.add_argument(
        "--spacy-python", type=Path, help="a Python with spaCy (LibreTranslate's venv)"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing package")
    args = parser.parse_args(argv)
    build_package(args.bundle, args.out, args.spacy_python, args.force)


if __name__ == "__main__":
    main()
