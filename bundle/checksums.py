"""Checksums that make a bundle self-verifying.

The build seals a finished bundle folder (`seal`); the service refuses one whose files
differ from what was sealed (`open_verified`). Every problem is collected before raising,
so an operator sees the whole damage at once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bundle.manifest import MANIFEST_NAME, BundleError, Manifest, read_manifest, write_manifest

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def bundle_files(folder: Path) -> list[str]:
    """Every file of a bundle folder but the manifest, as sorted POSIX paths."""
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name != MANIFEST_NAME
    )


def seal(folder: Path, manifest: Manifest) -> Manifest:
    """Record the sha256 of every file and write the manifest; returns what was written."""
    files = {name: sha256_of(folder / name) for name in bundle_files(folder)}
    sealed = manifest.model_copy(update={"files": files})
    write_manifest(folder, sealed)
    return sealed


def verification_problems(folder: Path, manifest: Manifest) -> list[str]:
    problems: list[str] = []
    present = set(bundle_files(folder))
    for name, expected in sorted(manifest.files.items()):
        if name not in present:
            problems.append(f"missing file {name}")
        elif sha256_of(folder / name) != expected:
            problems.append(f"checksum mismatch for {name}")
    for name in sorted(present - manifest.files.keys()):
        problems.append(f"file {name} is not listed in {MANIFEST_NAME}")
    declared_map = [manifest.model.vocabulary_map] if manifest.model.vocabulary_map else []
    for required in (
        manifest.model.path + "/model.bin",
        manifest.tokenizer.source_spm,
        manifest.tokenizer.target_spm,
        *declared_map,
    ):
        if required not in manifest.files:
            problems.append(f"required file {required} is not part of the bundle")
    return problems


def open_verified(folder: Path) -> Manifest:
    """Read a bundle's manifest and check every file against it, or raise `BundleError`."""
    manifest = read_manifest(folder)
    problems = verification_problems(folder, manifest)
    if problems:
        raise BundleError(folder, problems)
    return manifest
