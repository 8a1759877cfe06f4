"""Defences against hostile uploads: budgets, zip containers and XML, all failing as 4xx.

Nothing here writes to disk: archives are read from memory, entry by entry, and every limit is
counted on the bytes actually produced while streaming (declared sizes in zip headers are not
trusted). XML is parsed by lxml with DTD loading, entity resolution and network access off, after a
streaming pre-check that refuses any ``<!DOCTYPE``/``<!ENTITY`` and bounds nesting depth.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from service.documents.errors import (
    CorruptDocumentError,
    DocumentTimeBudgetExceededError,
    EncryptedDocumentError,
    TooManyCharactersError,
    UnsafeDocumentError,
)
from service.documents.settings import DocumentSettings

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_RATIO_FLOOR = 1024 * 1024  # small entries may compress very well; judge ratio beyond 1 MiB
# Any entity declaration, or a DOCTYPE with an internal subset ("[") is refused; a bare DOCTYPE
# (XHTML's) is harmless because the DTD it names is never loaded.
_DOCTYPE_RE = re.compile(rb"<!\s*ENTITY|<!\s*DOCTYPE[^>\[]*\[", re.IGNORECASE)


@dataclass
class Guard:
    """The limits and the clock of one document, passed to every format."""

    settings: DocumentSettings
    started: float = field(default_factory=time.monotonic)

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.settings.time_budget_s:
            raise DocumentTimeBudgetExceededError()

    def check_characters(self, characters: int) -> None:
        if characters > self.settings.max_characters:
            raise TooManyCharactersError()


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser that loads no DTD, resolves no entity and never touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def check_xml(data: bytes, guard: Guard) -> None:
    """Refuse DTDs/entities and nesting deeper than the limit, streaming, before any real parse."""
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    depth = 0
    try:
        for start in range(0, len(data), _CHUNK):
            window = data[max(0, start - 1024) : start + _CHUNK]
            if _DOCTYPE_RE.search(window):
                raise UnsafeDocumentError("The document declares a DTD or entities.")
            parser.feed(data[start : start + _CHUNK])
            for event, element in parser.read_events():
                if event == "start":
                    depth += 1
                    if depth > guard.settings.xml_max_depth:
                        raise UnsafeDocumentError("The document's markup is nested too deeply.")
                else:
                    depth -= 1
                    element.clear(keep_tail=False)
            guard.check_time()
        parser.close()
    except etree.XMLSyntaxError as exc:
        logger.debug("xml syntax error: %s", exc)
        if "depth" in str(exc).lower():  # libxml2's own bound (256) hit inside one chunk
            raise UnsafeDocumentError("The document's markup is nested too deeply.") from None
        raise CorruptDocumentError("The document's markup is not well-formed.") from None


def parse_xml(data: bytes, guard: Guard) -> etree._ElementTree:
    """Checked, safe parse of an XML document."""
    check_xml(data, guard)
    try:
        return etree.parse(io.BytesIO(data), safe_xml_parser())
    except etree.XMLSyntaxError:
        raise CorruptDocumentError("The document's markup is not well-formed.") from None


def check_tree_depth(root: etree._Element, guard: Guard) -> None:
    """Depth bound for trees from parsers without a streaming pre-check (HTML)."""
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > guard.settings.xml_max_depth:
            raise UnsafeDocumentError("The document's markup is nested too deeply.")
        stack.extend((child, depth + 1) for child in element)


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or ".." in parts
        or (len(name) > 1 and name[1] == ":")
        or "\x00" in name
    )


class ZipPackage:
    """A zip container that passed every check; members are read back from memory on demand."""

    def __init__(self, data: bytes, entries: list[zipfile.ZipInfo], kept: dict[str, bytes]):
        self._data = data
        self.entries = entries
        self.kept = kept

    @property
    def names(self) -> list[str]:
        return [e.filename for e in self.entries]

    def read(self, name: str) -> bytes:
        if name in self.kept:
            return self.kept[name]
        with zipfile.ZipFile(io.BytesIO(self._data)) as zf:
            return zf.read(name)

    def rewrite(self, replaced: dict[str, bytes]) -> bytes:
        """A new archive: same entries, order and compression; ``replaced`` members swapped in."""
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(self._data)) as src,
            zipfile.ZipFile(out, "w") as dst,
        ):
            for info in self.entries:
                data = replaced.get(info.filename)
                if data is None:
                    data = src.read(info)
                clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                clone.compress_type = info.compress_type
                clone.external_attr = info.external_attr
                clone.create_system = info.create_system
                dst.writestr(clone, data)
        return out.getvalue()


def open_zip(data: bytes, guard: Guard, keep: Callable[[str], bool]) -> ZipPackage:
    """Check a zip container while streaming every entry; keep the members ``keep`` selects.

    Refuses: too many entries, unsafe names, encryption, overlapping entries (non-recursive
    bombs), total or per-entry expansion over the limits, DTDs or deep nesting in XML members,
    and anything the zip reader finds broken.
    """
    limits = guard.settings
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = zf.infolist()
            if len(entries) > limits.zip_max_entries:
                raise UnsafeDocumentError("The archive has too many entries.")
            _check_layout(entries, zf.start_dir)
            total = 0
            kept: dict[str, bytes] = {}
            for info in entries:
                if _unsafe_name(info.filename):
                    raise UnsafeDocumentError("The archive contains an unsafe file name.")
                if info.flag_bits & 0x1:
                    raise EncryptedDocumentError()
                if info.is_dir():
                    continue
                body = _stream_entry(zf, info, total, guard)
                total += len(body)
                if info.filename.endswith((".xml", ".rels")):
                    check_xml(body, guard)
                if keep(info.filename):
                    kept[info.filename] = body
                guard.check_time()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError):
        raise CorruptDocumentError("The archive is damaged or unsupported.") from None
    except RuntimeError:
        raise EncryptedDocumentError() from None
    return ZipPackage(data, entries, kept)


def _check_layout(entries: list[zipfile.ZipInfo], start_dir: int) -> None:
    """Entries must not share or overlap their compressed data (the overlapping-entry bomb)."""
    spans = sorted((e.header_offset, e.header_offset + 30 + e.compress_size) for e in entries)
    for (start, end), (next_start, _) in itertools.pairwise(spans):
        if next_start < end or next_start == start:
            raise UnsafeDocumentError("The archive has overlapping entries.")
    if spans and spans[-1][1] > start_dir:
        raise UnsafeDocumentError("The archive has overlapping entries.")


def _stream_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, guard: Guard) -> bytes:
    limits = guard.settings
    chunks: list[bytes] = []
    produced = 0
    with zf.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            produced += len(chunk)
            if total + produced > limits.zip_max_uncompressed_bytes:
                raise UnsafeDocumentError("The archive expands beyond the allowed size.")
            ratio = produced / max(info.compress_size, 1)
            if produced > _RATIO_FLOOR and ratio > limits.zip_max_ratio:
                raise UnsafeDocumentError("The archive's compression ratio is suspiciously high.")
            chunks.append(chunk)
    return b"".join(chunks)
