"""Zip containers that name their type in a first ``mimetype`` member (OpenDocument, EPUB), and
the rebuild they share: only the XML parts whose text changed are written again.

Both specifications require ``mimetype`` to be the first member, stored (not compressed), so
the type is read straight from the first local header, before anything is inflated (that is
what ``file(1)`` does too). Archive checks are :func:`~service.documents.safety.open_zip`'s.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from service.documents.formats.base import Extraction
from service.documents.safety import ZipPackage
from service.documents.segments import Unit

_LOCAL = struct.Struct("<4s5H3L2H")  # local file header: signature ... name and extra lengths
_MIMETYPE = b"mimetype"
_MAX_MIMETYPE_BYTES = 256


def stored_mimetype(data: bytes) -> str | None:
    """The content of a first, stored ``mimetype`` member; None when there is none."""
    if len(data) < _LOCAL.size or not data.startswith(b"PK\x03\x04"):
        return None
    fields = _LOCAL.unpack_from(data, 0)
    method, compressed, name_length, extra_length = fields[3], fields[7], fields[9], fields[10]
    name_start = _LOCAL.size
    if method != 0 or data[name_start : name_start + name_length] != _MIMETYPE:
        return None
    if compressed > _MAX_MIMETYPE_BYTES:
        return None
    start = name_start + name_length + extra_length
    try:
        return data[start : start + compressed].decode("ascii").strip()
    except UnicodeDecodeError:
        return None


@dataclass
class EditedPart:
    """One XML member of a package: its units and the call that writes them into its tree and
    returns the member's new bytes."""

    name: str
    units: list[Unit]
    serialize: Callable[[], bytes]


def package_extraction(package: ZipPackage, parts: list[EditedPart]) -> Extraction:
    """Units of every edited part; the rebuild replaces only parts with a changed unit, every
    other member is copied as it was (same order, compression and bytes)."""

    def rebuild() -> bytes:
        replaced = {
            part.name: part.serialize()
            for part in parts
            if any(unit.changed for unit in part.units)
        }
        return package.rewrite(replaced)

    return Extraction([u for part in parts for u in part.units], rebuild)


def serialize_like(original: bytes, tree: etree._ElementTree) -> bytes:
    """The tree behind the original's own XML declaration and the whitespace after it, kept
    byte for byte (lxml would write its own, with single quotes)."""
    encoding = tree.docinfo.encoding or "UTF-8"
    stripped = original.lstrip()
    if not stripped.startswith(b"<?xml") or encoding.upper() != "UTF-8":
        declared: bytes = etree.tostring(tree, encoding=encoding, xml_declaration=True)
        return declared
    end = stripped.find(b"?>") + 2
    rest = stripped[end:]
    prolog = stripped[:end] + rest[: len(rest) - len(rest.lstrip())]
    body: bytes = etree.tostring(tree, encoding="UTF-8", xml_declaration=False)
    return prolog + body
