"""Hostile OpenDocument, EPUB and PDF files: a typed 4xx in under a second, with bounded memory
and no temporary file, like every other container (tests/service/documents/test_safety.py)."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from service.documents.errors import (
    CorruptDocumentError,
    DocumentError,
    EncryptedDocumentError,
    NoTextLayerError,
    UnsafeDocumentError,
    UnsupportedDocumentError,
)
from service.documents.formats import detect
from tests.service.documents.test_formats_epub import CONTAINER_XML, epub
from tests.service.documents.test_formats_office import _docx
from tests.service.documents.test_formats_opendocument import _odt
from tests.service.documents.test_formats_pdf import real_looking_pdf, scanned_pdf
from tests.service.documents.test_safety import (
    GIGABYTE_BOMB,
    RawEntry,
    guard_with,
    in_child,
    raw_zip,
)

ODT = "application/vnd.oasis.opendocument.text"
EPUB = "application/epub+zip"
CHAPTER = "OEBPS/text/chapter2.xhtml"
_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
    "{body}</office:text></office:body></office:document-content>"
)


def stored(name: str, body: bytes) -> RawEntry:
    return RawEntry(name, body, zipfile.ZIP_STORED, zlib.crc32(body))


def package(mimetype: str, members: dict[str, bytes], bomb: str | None = None) -> bytes:
    """A container with `mimetype` first, stored, as the specifications require; `bomb` names a
    member that inflates to 1 GiB with sizes that lie."""
    entries = [stored("mimetype", mimetype.encode())]
    entries += [stored(name, body) for name, body in members.items()]
    if bomb is not None:
        entries.append(RawEntry(bomb, GIGABYTE_BOMB, file_size=len(GIGABYTE_BOMB)))
    return raw_zip(entries)


def odt_with(body: str) -> bytes:
    return package(ODT, {"content.xml": _CONTENT.format(body=body).encode()})


def odt_bomb() -> bytes:
    return package(ODT, {}, bomb="content.xml")


def odt_deep() -> bytes:
    return odt_with(
        "<text:p>" + "<text:span>" * 5000 + "deep" + "</text:span>" * 5000 + "</text:p>"
    )


def odt_dtd() -> bytes:
    content = _CONTENT.format(body="<text:p>&x;</text:p>").encode()
    content = content.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY x "boom">]>', 1)
    return package(ODT, {"content.xml": content})


def odt_password_protected() -> bytes:
    manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        b'<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AA==">'
        b"</manifest:encryption-data></manifest:file-entry></manifest:manifest>"
    )
    return package(ODT, {"content.xml": os.urandom(2048), "META-INF/manifest.xml": manifest})


def epub_with(replaced: dict[str, bytes]) -> bytes:
    """The test book with some members replaced or added (same order, mimetype first)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(epub())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, replaced.pop(info.filename, None) or src.read(info))
        for name, body in replaced.items():
            dst.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def epub_deep() -> bytes:
    body = "<div>" * 5000 + "deep" + "</div>" * 5000
    xhtml = f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{body}</body></html>'
    return epub_with({CHAPTER: xhtml.encode()})


def epub_entities() -> bytes:
    xhtml = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&x;</p></body></html>'
    )
    return epub_with({CHAPTER: xhtml.encode()})


def epub_drm() -> bytes:
    encryption = (
        b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"'
        b' xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        b'<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
        b'<enc:CipherData><enc:CipherReference URI="OEBPS/text/chapter2.xhtml"/>'
        b"</enc:CipherData></enc:EncryptedData></encryption>"
    )
    return epub_with({CHAPTER: os.urandom(2048), "META-INF/encryption.xml": encryption})


def epub_without_rootfile() -> bytes:
    return epub_with({"META-INF/container.xml": CONTAINER_XML.replace(b"rootfile ", b"other ")})


def hand_written_pdf(content: bytes, stream_dictionary: bytes = b"") -> bytes:
    """A one-page PDF whose page shows `content`, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d %s >>\nstream\n" % (len(content), stream_dictionary)
        + content
        + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_stream_bomb() -> bytes:
    """A content stream that inflates to 1 GiB (zlib header, then the raw deflate bomb)."""
    return hand_written_pdf(b"x\x9c" + GIGABYTE_BOMB, b"/Filter /FlateDecode")


def pdf_encrypted() -> bytes:
    out = io.BytesIO()
    sheet = canvas.Canvas(out, encrypt="secret")
    sheet.drawString(72, 720, "Confidential minutes of the meeting.")
    sheet.save()
    return out.getvalue()


def truncated(build: Callable[[], bytes]) -> Callable[[], bytes]:
    return lambda: build()[: len(build()) // 2]


Case = tuple[Callable[[], bytes], str, type[DocumentError]]
CASES: dict[str, Case] = {
    "odt: 1 GiB bomb in content.xml": (odt_bomb, "a.odt", UnsafeDocumentError),
    "odt: deep nesting": (odt_deep, "a.odt", UnsafeDocumentError),
    "odt: entity declarations": (odt_dtd, "a.odt", UnsafeDocumentError),
    "odt: password-protected": (odt_password_protected, "a.odt", EncryptedDocumentError),
    "odt: truncated": (truncated(_odt), "a.odt", CorruptDocumentError),
    "odt: content is a docx": (_docx, "a.odt", UnsupportedDocumentError),
    "odt: named .docx": (_odt, "a.docx", UnsupportedDocumentError),
    "epub: 1 GiB bomb in the package document": (
        lambda: package(EPUB, {"META-INF/container.xml": CONTAINER_XML}, bomb="OEBPS/content.opf"),
        "a.epub",
        UnsafeDocumentError,
    ),
    "epub: deep nesting in a chapter": (epub_deep, "a.epub", UnsafeDocumentError),
    "epub: external entity in a chapter": (epub_entities, "a.epub", UnsafeDocumentError),
    "epub: DRM-encrypted chapter": (epub_drm, "a.epub", EncryptedDocumentError),
    "epub: container names no package": (epub_without_rootfile, "a.epub", CorruptDocumentError),
    "epub: truncated": (truncated(epub), "a.epub", CorruptDocumentError),
    "epub: named .odt": (epub, "a.odt", UnsupportedDocumentError),
    "epub: content is an odt": (_odt, "a.epub", UnsupportedDocumentError),
    "pdf: content stream inflating to 1 GiB": (pdf_stream_bomb, "a.pdf", UnsafeDocumentError),
    "pdf: 100,000 nested arrays in a content stream": (
        lambda: hand_written_pdf(b"BT /F1 12 Tf " + b"[" * 100_000 + b" TJ ET"),
        "a.pdf",
        UnsafeDocumentError,
    ),
    "pdf: deep object nesting": (
        lambda: b"%PDF-1.4\n1 0 obj\n" + b"<< /A " * 100_000 + b"\nendobj\n",
        "a.pdf",
        UnsafeDocumentError,
    ),
    "pdf: password-protected": (pdf_encrypted, "a.pdf", EncryptedDocumentError),
    "pdf: truncated": (truncated(real_looking_pdf), "a.pdf", CorruptDocumentError),
    "pdf: a scan without text": (scanned_pdf, "a.pdf", NoTextLayerError),
    "pdf: named .docx": (real_looking_pdf, "a.docx", UnsupportedDocumentError),
    "pdf: content is a docx": (_docx, "a.pdf", UnsupportedDocumentError),
    "odt: mimetype missing": (
        lambda: raw_zip([stored("content.xml", _CONTENT.format(body="").encode())]),
        "a.odt",
        UnsupportedDocumentError,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_container_is_refused_quickly_with_bounded_memory_and_no_temp_files(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, filename, expected = CASES[name]
    data = build()
    guard = guard_with()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the child inherits it
    outcome = in_child(
        lambda: detect(data, filename, guard.settings.zip_max_entries).prepare(data, guard)
    )
    assert outcome.error == expected.__name__, outcome.message
    assert 400 <= outcome.status < 500
    assert outcome.seconds < 1.0
    assert outcome.rss_growth < 64 * 1024 * 1024
    assert list(tmp_path.iterdir()) == []
