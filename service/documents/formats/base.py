"""One base for every format: ``matches`` (detect from content), ``extract`` (units plus a
``rebuild`` closure) and the template method :meth:`DocumentFormat.translate` that runs them.

A format module only knows its markup: which text becomes :class:`~service.documents.segments.Unit`
objects and how translated pieces go back in. Limits, batching, fallback and progress live here and
in :mod:`service.documents.segments`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from service.documents.errors import UnsupportedDocumentError
from service.documents.safety import Guard
from service.documents.segments import (
    ProgressCallback,
    SegmentReport,
    SegmentTranslator,
    Unit,
    translate_units,
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True)
class DecodedText:
    """Text of a text-based document with what is needed to encode it back identically."""

    text: str
    encoding: str
    bom: bytes

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.encoding)

    @property
    def charset(self) -> str:
        """IANA label of the bytes :meth:`encode` writes (UTF-16 with a BOM is "utf-16")."""
        return "utf-8" if self.encoding == "utf-8" else "utf-16"


def decode_text(data: bytes) -> DecodedText | None:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; None for anything else or binary."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return None  # UTF-32
    encoding, bom = "utf-8", b""
    for mark, codec in _BOMS:
        if data.startswith(mark):
            encoding, bom = codec, mark
            break
    try:
        text = data[len(bom) :].decode(encoding)
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return DecodedText(text, encoding, bom)


_CHARSET_RE = re.compile(r"charset=[\w-]+")
_ROOT_RE = re.compile(r"\s*<([A-Za-z_][\w.:-]*)([^>]*)>", re.S)
_SKIP_RE = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>|<![^>]*>)", re.S | re.I
)


@dataclass(frozen=True)
class Probe:
    """What detection looks at: archive member names, or decoded text and its XML root."""

    data: bytes
    zip_names: frozenset[str] | None
    text: DecodedText | None

    @property
    def xml_root(self) -> tuple[str, str] | None:
        """(local name, start-tag attributes) of the root element when the text is XML-shaped."""
        if self.text is None:
            return None
        head = self.text.text[:8192]
        pos = 0
        while m := _SKIP_RE.match(head, pos):
            if m.end() == pos:
                break
            pos = m.end()
        m = _ROOT_RE.match(head, pos)
        if m is None:
            return None
        return m.group(1).split(":")[-1].lower(), m.group(2)

    @property
    def is_xml(self) -> bool:
        return self.text is not None and self.text.text.lstrip().startswith("<?xml")


class Extraction:
    """The units of one document and how to write the document back once they are translated.

    ``charset`` is the encoding the rebuilt bytes keep (text formats), so the response can say so;
    ``target`` is the requested target language, for formats that record it (XLIFF); ``report``
    counts, once translated, the units kept in the source language and the low-confidence ones.
    """

    def __init__(
        self, units: list[Unit], rebuild: Callable[[], bytes], charset: str | None = None
    ) -> None:
        self.units = units
        self._rebuild = rebuild
        self.charset = charset
        self.target: str | None = None
        self.report = SegmentReport()

    @property
    def characters(self) -> int:
        return sum(u.characters for u in self.units)

    @property
    def segments(self) -> int:
        return sum(1 for u in self.units if u.translatable)

    def translate(
        self,
        translator: SegmentTranslator,
        guard: Guard,
        progress: ProgressCallback | None = None,
    ) -> bytes:
        self.report = translate_units(
            self.units,
            translator,
            batch_size=guard.settings.batch_segments,
            check=guard.check_time,
            progress=progress,
        )
        return self._rebuild()


class DocumentFormat(ABC):
    """A document format: detection from content, extraction of units, rebuild."""

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    media_type: ClassVar[str]
    #: Text formats that can read any text (a ``.txt`` may hold anything): the file name decides.
    accepts_any_text: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def matches(cls, probe: Probe) -> bool:
        """True when the content has this format's signature."""

    @abstractmethod
    def extract(self, data: bytes, guard: Guard) -> Extraction:
        """Parse safely and return the units; raise a DocumentError for bad input."""

    def prepare(self, data: bytes, guard: Guard, target: str | None = None) -> Extraction:
        """Extract and enforce the character limit (the template method's first half)."""
        extraction = self.extract(data, guard)
        extraction.target = target
        guard.check_characters(extraction.characters)
        guard.check_time()
        return extraction

    def media_type_of(self, extraction: Extraction) -> str:
        """The response's media type: the format's, with the charset the document really has."""
        if extraction.charset is None:
            return self.media_type
        return _CHARSET_RE.sub(f"charset={extraction.charset}", self.media_type)

    def translate(
        self,
        data: bytes,
        translator: SegmentTranslator,
        guard: Guard,
        progress: ProgressCallback | None = None,
        target: str | None = None,
    ) -> bytes:
        """Translate a whole document: prepare, translate the units, rebuild."""
        return self.prepare(data, guard, target).translate(translator, guard, progress)


def require_text(data: bytes) -> DecodedText:
    decoded = decode_text(data)
    if decoded is None:
        raise UnsupportedDocumentError("The document is not UTF-8 or UTF-16 text.")
    return decoded


def require_lines(data: bytes, guard: Guard) -> DecodedText:
    """The text of a format read line by line, refused (413) over the line bound."""
    decoded = require_text(data)
    guard.check_lines(decoded.text)
    return decoded
