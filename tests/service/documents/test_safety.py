"""Hostile documents fail fast with a typed 4xx error, bounded memory and no temp files."""

from __future__ import annotations

import io
import os
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest

from service.documents.errors import (
    CorruptDocumentError,
    DocumentError,
    DocumentTimeBudgetExceededError,
    EncryptedDocumentError,
    TooManyCharactersError,
    UnsafeDocumentError,
    UnsupportedDocumentError,
)
from service.documents.formats import detect
from service.documents.safety import Guard
from service.documents.settings import DocumentSettings

_WORD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>"
)


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in entries.items():
            zf.writestr(name, body)
    return out.getvalue()


def _central_records(data: bytes) -> list[int]:
    offsets, pos = [], 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        offsets.append(pos)
        pos += 4
    return offsets


def ratio_bomb() -> bytes:
    return _zip({"word/document.xml": b"<a>" + b" " * (30 * 1024 * 1024) + b"</a>"})


def size_bomb() -> bytes:
    return _zip(
        {f"word/media/r{i}.bin": os.urandom(400_000) for i in range(4)}
        | {"word/document.xml": _WORD.encode()}
    )


def many_entries() -> bytes:
    return _zip({f"word/e{i}.txt": b"x" for i in range(30)} | {"word/document.xml": _WORD.encode()})


def overlapping_entries() -> bytes:
    data = bytearray(_zip({"word/document.xml": _WORD.encode(), "word/other.xml": b"<a/>"}))
    second = _central_records(bytes(data))[1]
    data[second + 42 : second + 46] = struct.pack("<I", 0)  # points at the first entry's data
    return bytes(data)


def zip_slip() -> bytes:
    return _zip({"word/document.xml": _WORD.encode(), "../../etc/cron.d/evil": b"x"})


def encrypted() -> bytes:
    data = bytearray(_zip({"word/document.xml": _WORD.encode()}))
    record = _central_records(bytes(data))[0]
    flags = struct.unpack("<H", data[record + 8 : record + 10])[0]
    data[record + 8 : record + 10] = struct.pack("<H", flags | 0x1)
    data[6:8] = struct.pack("<H", flags | 0x1)
    return bytes(data)


def truncated() -> bytes:
    data = _zip({"word/document.xml": _WORD.encode() * 50})
    return data[: len(data) // 2]


def dtd_in_package() -> bytes:
    xml = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]>' + _WORD.split("?>", 1)[1]
    return _zip({"word/document.xml": xml.encode()})


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>
<trans-unit id="1"><source>&lol3;</source></trans-unit></body></file></xliff>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>
<trans-unit id="1"><source>&xxe;</source></trans-unit></body></file></xliff>"""


def deep_xliff() -> bytes:
    inner = "<g id='1'>" * 5000 + "deep" + "</g>" * 5000
    return (
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>'
        f'<trans-unit id="1"><source>{inner}</source></trans-unit></body></file></xliff>'
    ).encode()


def deep_html() -> bytes:
    return ("<html><body>" + "<div>" * 3000 + "deep" + "</div>" * 3000 + "</body></html>").encode()


Case = tuple[Callable[[], bytes], str, dict[str, object], type[DocumentError]]
CASES: dict[str, Case] = {
    "zip ratio bomb": (ratio_bomb, "a.docx", {}, UnsafeDocumentError),
    "zip total size": (
        size_bomb,
        "a.docx",
        {"zip_max_uncompressed_bytes": 1_000_000},
        UnsafeDocumentError,
    ),
    "zip entry count": (many_entries, "a.docx", {"zip_max_entries": 20}, UnsafeDocumentError),
    "zip overlapping entries": (overlapping_entries, "a.docx", {}, UnsafeDocumentError),
    "zip slip name": (zip_slip, "a.docx", {}, UnsafeDocumentError),
    "zip encrypted": (encrypted, "a.docx", {}, EncryptedDocumentError),
    "zip truncated": (truncated, "a.docx", {}, CorruptDocumentError),
    "dtd inside a package": (dtd_in_package, "a.docx", {}, UnsafeDocumentError),
    "billion laughs": (lambda: BILLION_LAUGHS, "a.xliff", {}, UnsafeDocumentError),
    "external entity": (lambda: XXE, "a.xlf", {}, UnsafeDocumentError),
    "deep xml nesting": (deep_xliff, "a.xliff", {}, UnsafeDocumentError),
    "deep html nesting": (deep_html, "a.html", {"xml_max_depth": 100}, UnsafeDocumentError),
    "binary content": (lambda: os.urandom(4096), "a.txt", {}, UnsupportedDocumentError),
    "extension lies": (
        lambda: b"<html><body>hi</body></html>",
        "a.docx",
        {},
        UnsupportedDocumentError,
    ),
    "unknown extension": (lambda: b"plain text", "a.exe", {}, UnsupportedDocumentError),
    "too many characters": (
        lambda: b"word " * 500,
        "a.txt",
        {"max_characters": 100},
        TooManyCharactersError,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_document_is_refused_quickly_with_bounded_memory(name: str) -> None:
    build, filename, overrides, expected = CASES[name]
    data = build()
    guard = Guard(DocumentSettings(_env_file=None, **overrides))  # type: ignore[arg-type]
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.monotonic()
    try:
        with pytest.raises(expected) as caught:
            detect(data, filename).prepare(data, guard)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert 400 <= caught.value.status_code < 500
    assert elapsed < 1.0
    assert peak < 64 * 1024 * 1024
    assert "/" not in caught.value.message and "Traceback" not in caught.value.message


def test_time_budget_stops_a_slow_translation() -> None:
    data = b"\n\n".join(b"Sentence number %d here." % i for i in range(20))
    guard = Guard(DocumentSettings(_env_file=None, time_budget_s=0.2, batch_segments=2))  # type: ignore[call-arg]

    def slow(batch: list[str]) -> list[str]:
        time.sleep(0.1)
        return batch

    started = time.monotonic()
    with pytest.raises(DocumentTimeBudgetExceededError):
        detect(data, "a.txt").translate(data, slow, guard)
    assert time.monotonic() - started < 1.0


def test_a_plain_doctype_is_allowed_but_never_loaded(guard: Guard) -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Hi there</p></body></html>'
    )
    out = detect(data, "a.xhtml").translate(data, lambda b: [s.upper() for s in b], guard)
    assert b"HI THERE" in out and b"<!DOCTYPE html PUBLIC" in out
