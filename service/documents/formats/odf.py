"""OpenDocument (.odt, .odp, .ods): every paragraph and heading of ``content.xml`` (body text,
lists, tables, frames, notes, comments, slides and their notes, text cells) and the page headers
and footers in ``styles.xml``.

A ``text:p``/``text:h`` is one unit: ``text:span``, ``text:a`` and ``text:meta`` become tags
around their words; spaces (``text:s``), tabs, line breaks, fields, bookmarks, notes, frames and
comments are atoms that keep their order, and the paragraphs inside a note, frame or comment are
units of their own. Spreadsheet cells whose value is not a string (numbers, dates, currency,
booleans) or that hold a formula keep their displayed text. Every other member (styles,
pictures, settings, manifest) is copied unchanged.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import ClassVar

from lxml import etree

from service.documents.errors import CorruptDocumentError, EncryptedDocumentError
from service.documents.formats._container import (
    EditedPart,
    package_extraction,
    serialize_like,
    stored_mimetype,
)
from service.documents.formats._tree import collect_runs
from service.documents.formats.base import DocumentFormat, Extraction, Probe
from service.documents.safety import Guard, ZipPackage, open_zip, safe_xml_parser

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"

_INLINE = frozenset({f"{{{TEXT}}}span", f"{{{TEXT}}}a", f"{{{TEXT}}}meta"})
_PARAGRAPHS = (f"{{{TEXT}}}p", f"{{{TEXT}}}h")
_CELLS = frozenset({f"{{{TABLE}}}table-cell", f"{{{TABLE}}}covered-table-cell"})
_ANNOTATION = f"{{{OFFICE}}}annotation"
_PAGE_MARGINS = frozenset(
    f"{{{STYLE}}}{name}"
    for name in (
        "header",
        "footer",
        "header-left",
        "footer-left",
        "header-first",
        "footer-first",
    )
)
_PARTS = ("content.xml", "styles.xml")
_MANIFEST = "META-INF/manifest.xml"
_MANIFEST_HEAD = 1024 * 1024  # bytes of the manifest searched for encryption data


def _classify(element: etree._Element) -> str:
    """Spans and links are inline; everything else inside a paragraph is moved whole."""
    return "inline" if element.tag in _INLINE else "atom"


def _in_text_cell(paragraph: etree._Element) -> bool:
    """False for a paragraph showing a spreadsheet cell's number, date or formula result."""
    for ancestor in paragraph.iterancestors():
        if ancestor.tag == _ANNOTATION:
            return True  # a comment on a cell is text whatever the cell holds
        if ancestor.tag in _CELLS:
            kind = ancestor.get(f"{{{OFFICE}}}value-type", "string")
            return kind == "string" and ancestor.get(f"{{{TABLE}}}formula") is None
    return True


def _in_page_margin(paragraph: etree._Element) -> bool:
    return any(a.tag in _PAGE_MARGINS for a in paragraph.iterancestors())


def _paragraphs(root: etree._Element, part: str) -> list[etree._Element]:
    found = [p for p in root.iter(*_PARAGRAPHS) if _in_text_cell(p)]
    if part == "styles.xml":  # master pages' headers and footers, not style samples
        found = [p for p in found if _in_page_margin(p)]
    return found


def _edited_part(package: ZipPackage, name: str, guard: Guard) -> EditedPart:
    original = package.read(name)
    tree = etree.ElementTree(etree.fromstring(original, safe_xml_parser()))
    runs = [run for p in _paragraphs(tree.getroot(), name) for run in collect_runs(p, _classify)]
    guard.check_time()

    def serialize() -> bytes:
        for run in runs:
            run.write_back()
        return serialize_like(original, tree)

    return EditedPart(name, [run.unit for run in runs], serialize)


def _password_protected(data: bytes) -> bool:
    """True when the manifest declares encrypted members: a password-protected document keeps
    a zip that opens, with ciphertext where its XML would be (only the manifest's first MiB
    is inflated, so a bomb there costs nothing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open(_MANIFEST) as manifest:
            return b"encryption-data" in manifest.read(_MANIFEST_HEAD)
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError):
        return False
    except RuntimeError:  # zip-level encryption
        return True


class _OpenDocumentFormat(DocumentFormat):
    """One OpenDocument type, told apart by the package's ``mimetype`` member."""

    mimetype: ClassVar[str]

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return (
            probe.zip_names is not None
            and "content.xml" in probe.zip_names
            and stored_mimetype(probe.data) == cls.mimetype
        )

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        try:
            package = open_zip(data, guard, lambda name: name in _PARTS)
        except CorruptDocumentError:
            if _password_protected(data):
                raise EncryptedDocumentError() from None
            raise
        parts = [_edited_part(package, name, guard) for name in _PARTS if name in package.kept]
        return package_extraction(package, parts)


class OdtFormat(_OpenDocumentFormat):
    name = "odt"
    extensions = (".odt",)
    mimetype = "application/vnd.oasis.opendocument.text"
    media_type = mimetype


class OdpFormat(_OpenDocumentFormat):
    name = "odp"
    extensions = (".odp",)
    mimetype = "application/vnd.oasis.opendocument.presentation"
    media_type = mimetype


class OdsFormat(_OpenDocumentFormat):
    name = "ods"
    extensions = (".ods",)
    mimetype = "application/vnd.oasis.opendocument.spreadsheet"
    media_type = mimetype
