"""Defences against hostile uploads: budgets, zip containers and XML, all failing as 4xx.

Nothing here writes to disk. An archive is refused from its central directory first (entry count,
declared sizes and ratios: a cheap filter, never trusted), then each entry is inflated in 64 KiB
steps with every limit counted on the bytes actually produced, and the compression ratio judged
against the compressed bytes consumed so far, so a bomb stops within a few steps of crossing it.
Only the members a format keeps are held in memory; the rest are checked as they stream by. XML is
parsed by lxml with DTD loading, entity resolution and network access off, after a streaming
pre-check that refuses any ``<!DOCTYPE``/``<!ENTITY`` and bounds nesting depth.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import shutil
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from service.documents.errors import (
    CorruptDocumentError,
    DocumentError,
    DocumentTimeBudgetExceededError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    TooManyCharactersError,
    UnsafeDocumentError,
)
from service.documents.settings import DocumentSettings

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024  # most bytes one inflate step produces
_INFLATE_INPUT = 16 * 1024  # compressed bytes handed to zlib at a time
_RATIO_FLOOR = 1024 * 1024  # small entries may compress very well; judge ratio beyond 1 MiB
_OVERLAP = 1024  # bytes of the previous chunk searched again, for a declaration cut in two
# Any entity declaration, or a DOCTYPE with an internal subset ("[") is refused; a bare DOCTYPE
# (XHTML's) is harmless because the DTD it names is never loaded. "<" ends a DOCTYPE candidate
# so that a run of "<!DOCTYPE" costs linear time (an internal subset without "<!ENTITY" is inert).
_DOCTYPE_RE = re.compile(rb"<!\s*ENTITY|<!\s*DOCTYPE[^<>\[]*+\[", re.IGNORECASE)
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory: signature ... comment length
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # zip64 end of central directory record
_EOCD64_LOCATOR_SIZE = 20
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # one central directory record, as zipfile reads it
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # one local file header


@dataclass
class Guard:
    """The limits and the clock of one document, passed to every format."""

    settings: DocumentSettings
    started: float = field(default_factory=time.monotonic)
    elements: int = 0

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.settings.time_budget_s:
            raise DocumentTimeBudgetExceededError()

    def count_elements(self, count: int) -> None:
        """A parsed tree costs ~300 bytes an element (lxml's alone): bound them per document."""
        self.elements += count
        if self.elements > self.settings.xml_max_elements:
            raise DocumentTooLargeError(
                f"The document has more than {self.settings.xml_max_elements} XML elements "
                "(MT_DOC_XML_MAX_ELEMENTS)."
            )

    def check_lines(self, text: str) -> None:
        """Line formats are parsed whole (~2.6 KiB a Markdown list item): bound them first."""
        lines = max(text.count("\n"), text.count("\r")) + 1
        if lines > self.settings.text_max_lines:
            raise DocumentTooLargeError(
                f"The document has more than {self.settings.text_max_lines} lines "
                "(MT_DOC_TEXT_MAX_LINES)."
            )

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


class _XmlCheck:
    """The pre-check of one XML document, fed chunk by chunk (a zip member as it is inflated)."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        self._parser = etree.XMLPullParser(
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        self._depth = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if _DOCTYPE_RE.search(self._tail + chunk):
            raise UnsafeDocumentError("The document declares a DTD or entities.")
        self._tail = chunk[-_OVERLAP:]
        try:
            self._parser.feed(chunk)
            self._check_events()
        except etree.XMLSyntaxError as exc:
            raise _xml_error(exc) from None

    def close(self) -> None:
        try:
            self._parser.close()
            self._check_events()
        except etree.XMLSyntaxError as exc:
            raise _xml_error(exc) from None

    def _check_events(self) -> None:
        started = 0
        for event, element in self._parser.read_events():
            if event == "start":
                started += 1
                self._depth += 1
                if self._depth > self._guard.settings.xml_max_depth:
                    raise UnsafeDocumentError("The document's markup is nested too deeply.")
            else:
                self._depth -= 1
                _forget(element)
        self._guard.count_elements(started)


def _forget(element: etree._Element) -> None:
    """Drop an element the check has seen and its earlier siblings (cleared, each kept ~80 B)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def _xml_error(exc: etree.XMLSyntaxError) -> DocumentError:
    logger.debug("xml syntax error: %s", exc)
    if "depth" in str(exc).lower():  # libxml2's own bound (256) hit inside one chunk
        return UnsafeDocumentError("The document's markup is nested too deeply.")
    return CorruptDocumentError("The document's markup is not well-formed.")


def check_xml(data: bytes, guard: Guard) -> None:
    """Refuse DTDs/entities and nesting deeper than the limit, streaming, before any real parse."""
    check = _XmlCheck(guard)
    for start in range(0, len(data), _CHUNK):
        check.feed(data[start : start + _CHUNK])
        guard.check_time()
    check.close()


def parse_xml(data: bytes, guard: Guard) -> etree._ElementTree:
    """Checked, safe parse of an XML document."""
    check_xml(data, guard)
    try:
        return etree.parse(io.BytesIO(data), safe_xml_parser())
    except etree.XMLSyntaxError:
        raise CorruptDocumentError("The document's markup is not well-formed.") from None


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
        """A new archive: same entries, order and compression; ``replaced`` members swapped in.

        The others are copied in chunks, never whole, so a large media file costs no memory.
        """
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(self._data)) as src,
            zipfile.ZipFile(out, "w") as dst,
        ):
            for info in self.entries:
                clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                clone.compress_type = info.compress_type
                clone.external_attr = info.external_attr
                clone.create_system = info.create_system
                data = replaced.get(info.filename)
                if data is not None:
                    dst.writestr(clone, data)
                    continue
                clone.file_size = info.file_size  # lets zipfile choose zip64 up front
                with src.open(info) as reader, dst.open(clone, "w") as writer:
                    shutil.copyfileobj(reader, writer, _CHUNK)
        return out.getvalue()


def open_zip(data: bytes, guard: Guard, keep: Callable[[str], bool]) -> ZipPackage:
    """Check a zip container while streaming every entry; keep the members ``keep`` selects.

    Refuses, before inflating anything: too many entries (counted in the central directory before
    zipfile builds an object per entry), unsafe names, encryption, overlapping entries
    (non-recursive bombs), declared sizes or ratios over the limits. Then, while inflating: total
    or per-entry expansion over the limits, DTDs or deep nesting in XML members, and anything
    broken.
    """
    try:
        check_zip_entry_count(data, guard.settings.zip_max_entries)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = zf.infolist()
            _check_entries(data, entries, zf.start_dir, guard.settings)
            kept = _stream_entries(data, entries, guard, keep)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError):
        raise CorruptDocumentError("The archive is damaged or unsupported.") from None
    except RuntimeError:
        raise EncryptedDocumentError() from None
    return ZipPackage(data, entries, kept)


def check_zip_entry_count(data: bytes, limit: int) -> None:
    """Count central directory records as zipfile will read them, stopping past `limit`.

    Costs at most `limit` + 1 small reads, where zipfile would build every entry of a 100,000
    entry archive first (1.7 s, +62 MB): call it before any ``zipfile.ZipFile`` of an upload.
    Anything unreadable is left for zipfile to report.
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - _EOCD.size - 0xFFFF))
    if end < 0 or end + _EOCD.size > len(data):
        return
    _, _, _, _, declared, size, _, _ = _EOCD.unpack_from(data, end)
    directory_end = end
    zip64 = end - _EOCD64_LOCATOR_SIZE - _EOCD64.size
    if zip64 >= 0 and data[zip64 : zip64 + 4] == b"PK\x06\x06":
        record = _EOCD64.unpack_from(data, zip64)
        declared, size, directory_end = record[7], record[8], zip64
    if declared > limit:
        raise UnsafeDocumentError("The archive has too many entries.")
    position, stop, count = directory_end - size, directory_end, 0
    while position >= 0 and position + _CENTRAL.size <= stop:
        record = _CENTRAL.unpack_from(data, position)
        if record[0] != b"PK\x01\x02":
            return
        count += 1
        if count > limit:
            raise UnsafeDocumentError("The archive has too many entries.")
        position += _CENTRAL.size + record[12] + record[13] + record[14]


def _check_entries(
    data: bytes, entries: list[zipfile.ZipInfo], start_dir: int, limits: DocumentSettings
) -> None:
    """Everything the central directory alone can refuse; declared sizes only as a first filter."""
    if len(entries) > limits.zip_max_entries:
        raise UnsafeDocumentError("The archive has too many entries.")
    for info in entries:
        if _unsafe_name(info.filename):
            raise UnsafeDocumentError("The archive contains an unsafe file name.")
        if info.flag_bits & 0x1:
            raise EncryptedDocumentError()
        if _over_ratio(info.file_size, info.compress_size, limits):
            raise UnsafeDocumentError("The archive's compression ratio is suspiciously high.")
    if sum(info.file_size for info in entries) > limits.zip_max_uncompressed_bytes:
        raise UnsafeDocumentError("The archive expands beyond the allowed size.")
    _check_layout(data, entries, start_dir)


def _over_ratio(produced: int, consumed: int, limits: DocumentSettings) -> bool:
    return produced > _RATIO_FLOOR and produced > limits.zip_max_ratio * max(consumed, 1)


def _check_layout(data: bytes, entries: list[zipfile.ZipInfo], start_dir: int) -> None:
    """Entries must not share or overlap their data (the overlapping-entry bomb), measured from
    their local headers, which are what a reader follows."""
    spans = sorted((e.header_offset, _data_offset(data, e) + e.compress_size) for e in entries)
    for (start, end), (next_start, _) in itertools.pairwise(spans):
        if next_start < end or next_start == start:
            raise UnsafeDocumentError("The archive has overlapping entries.")
    if spans and spans[-1][1] > start_dir:
        raise UnsafeDocumentError("The archive has overlapping entries.")


def _data_offset(data: bytes, info: zipfile.ZipInfo) -> int:
    """Where an entry's compressed bytes start, from its local header."""
    if info.header_offset + _LOCAL.size > len(data):
        raise CorruptDocumentError("The archive is damaged or unsupported.")
    header = _LOCAL.unpack_from(data, info.header_offset)
    if header[0] != b"PK\x03\x04":
        raise CorruptDocumentError("The archive is damaged or unsupported.")
    if header[3] & 0x1:
        raise EncryptedDocumentError()
    name_length: int = header[10]
    extra_length: int = header[11]
    return info.header_offset + _LOCAL.size + name_length + extra_length


def _stream_entries(
    data: bytes, entries: list[zipfile.ZipInfo], guard: Guard, keep: Callable[[str], bool]
) -> dict[str, bytes]:
    """Inflate every entry once, checking as it streams; return the bodies of the kept ones."""
    total = 0
    kept: dict[str, bytes] = {}
    for info in entries:
        if info.is_dir():
            continue
        xml = _XmlCheck(guard) if info.filename.endswith((".xml", ".rels")) else None
        body: list[bytes] | None = [] if keep(info.filename) else None
        for chunk in _inflate(data, info, guard):
            total += len(chunk)
            if total > guard.settings.zip_max_uncompressed_bytes:
                raise UnsafeDocumentError("The archive expands beyond the allowed size.")
            if xml is not None:
                xml.feed(chunk)
            if body is not None:
                body.append(chunk)
        if xml is not None:
            xml.close()
        if body is not None:
            kept[info.filename] = b"".join(body)
    return kept


def _inflate(data: bytes, info: zipfile.ZipInfo, guard: Guard) -> Iterator[bytes]:
    """An entry's bytes in chunks of at most 64 KiB, refused as soon as the bytes produced so far
    exceed the ratio limit times the compressed bytes consumed so far (beyond a floor)."""
    start = _data_offset(data, info)
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise CorruptDocumentError("The archive is damaged or unsupported.")
    if info.compress_type == zipfile.ZIP_STORED:
        chunks: Iterator[tuple[bytes, int]] = (
            (bytes(raw[at : at + _CHUNK]), at + _CHUNK) for at in range(0, len(raw), _CHUNK)
        )
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        chunks = _deflated(raw)
    else:
        raise CorruptDocumentError("The archive uses an unsupported compression method.")
    produced = crc = 0
    for chunk, consumed in chunks:
        produced += len(chunk)
        if _over_ratio(produced, consumed, guard.settings):
            raise UnsafeDocumentError("The archive's compression ratio is suspiciously high.")
        crc = zlib.crc32(chunk, crc)
        guard.check_time()
        yield chunk
    if crc != info.CRC:
        raise CorruptDocumentError("The archive is damaged or unsupported.")


def _deflated(raw: memoryview) -> Iterator[tuple[bytes, int]]:
    """Inflated chunks of a raw deflate stream, each with the compressed bytes consumed so far."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    fed = 0
    while not inflater.eof:
        pending: bytes | memoryview = inflater.unconsumed_tail
        if not pending:
            pending = raw[fed : fed + _INFLATE_INPUT]
            fed += len(pending)
        chunk = inflater.decompress(pending, _CHUNK)
        if not chunk and not pending:  # input used up before the stream's end
            raise CorruptDocumentError("The archive is damaged or unsupported.")
        yield chunk, fed - len(inflater.unconsumed_tail)
