"""Document formats and detection of a format from content (the file name only chooses among
formats the content allows: a ``.txt`` may be Markdown-looking text, a ``.docx`` must be a Word
package)."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from service.documents.errors import CorruptDocumentError, UnsupportedDocumentError
from service.documents.formats.base import DocumentFormat, Extraction, Probe, decode_text
from service.documents.formats.docx import DocxFormat
from service.documents.formats.epub import EpubFormat
from service.documents.formats.html import HtmlFormat, XhtmlFormat
from service.documents.formats.markdown import MarkdownFormat
from service.documents.formats.odf import OdpFormat, OdsFormat, OdtFormat
from service.documents.formats.pdf import PdfFormat
from service.documents.formats.po import PoFormat
from service.documents.formats.pptx import PptxFormat
from service.documents.formats.srt import SrtFormat
from service.documents.formats.txt import TxtFormat
from service.documents.formats.vtt import VttFormat
from service.documents.formats.xliff import XliffFormat
from service.documents.formats.xlsx import XlsxFormat
from service.documents.safety import check_zip_entry_count
from service.documents.settings import DocumentSettings

#: In detection priority: the first match wins when the file name gives no extension.
FORMATS: tuple[DocumentFormat, ...] = (
    DocxFormat(),
    PptxFormat(),
    XlsxFormat(),
    OdtFormat(),
    OdpFormat(),
    OdsFormat(),
    EpubFormat(),
    PdfFormat(),
    XliffFormat(),
    XhtmlFormat(),
    SrtFormat(),
    VttFormat(),
    PoFormat(),
    HtmlFormat(),
    MarkdownFormat(),
    TxtFormat(),
)

__all__ = ["FORMATS", "DocumentFormat", "Extraction", "detect", "probe"]


#: The setting's default, for callers without settings at hand (tests, tools).
_ZIP_MAX_ENTRIES: int = DocumentSettings.model_fields["zip_max_entries"].default


def probe(data: bytes, zip_max_entries: int) -> Probe:
    """Look at the content: a zip's member names, or the decoded text. An archive with too many
    entries is refused from its central directory first, before zipfile lists them all."""
    if data.startswith(b"PK\x03\x04"):
        check_zip_entry_count(data, zip_max_entries)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = frozenset(zf.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            raise CorruptDocumentError("The archive is damaged or unsupported.") from None
        return Probe(data, names, None)
    return Probe(data, None, decode_text(data))


def detect(
    data: bytes, filename: str | None, zip_max_entries: int = _ZIP_MAX_ENTRIES
) -> DocumentFormat:
    """The format of ``data``; the extension must agree with the content when there is one."""
    found = probe(data, zip_max_entries)
    candidates = [f for f in FORMATS if f.matches(found)]
    suffix = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if not suffix:
        if not candidates:
            raise UnsupportedDocumentError()
        return candidates[0]
    claimed = next((f for f in FORMATS if suffix in f.extensions), None)
    if claimed is None:
        raise UnsupportedDocumentError("This file type is not supported.")
    if claimed in candidates or (claimed.accepts_any_text and found.text is not None):
        return claimed
    raise UnsupportedDocumentError("The file's content does not match its type.")
