"""Hostile documents fail fast with a typed 4xx error, bounded memory and no temp files."""

from __future__ import annotations

import io
import multiprocessing
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pytest

from service.documents.errors import (
    CorruptDocumentError,
    DocumentError,
    DocumentTimeBudgetExceededError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    TooManyCharactersError,
    UnsafeDocumentError,
    UnsupportedDocumentError,
)
from service.documents.formats import detect
from service.documents.safety import Guard, open_zip
from service.documents.settings import DocumentSettings

_WORD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>"
)
_DOC = "word/document.xml"


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


@dataclass(frozen=True)
class RawEntry:
    """One zip entry written byte by byte, so its headers can say whatever an attacker likes."""

    name: str
    payload: bytes  # the compressed bytes as stored
    method: int = zipfile.ZIP_DEFLATED
    crc: int = 0
    file_size: int | None = None  # declared uncompressed size; None: the payload's length


def raw_zip(entries: list[RawEntry], declared_count: int | None = None) -> bytes:
    out, directory = bytearray(), bytearray()
    for e in entries:
        name, offset = e.name.encode(), len(out)
        size = len(e.payload) if e.file_size is None else e.file_size
        sizes = struct.pack("<3L", e.crc, len(e.payload), size)
        out += struct.pack("<4s5H", b"PK\x03\x04", 20, 0, e.method, 0, 0) + sizes
        out += struct.pack("<2H", len(name), 0) + name + e.payload
        directory += struct.pack("<4s6H", b"PK\x01\x02", 20, 20, 0, e.method, 0, 0) + sizes
        directory += struct.pack("<5H2L", len(name), 0, 0, 0, 0, 0, offset) + name
    count = len(entries) if declared_count is None else declared_count
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(out), 0)
    return bytes(out + directory + end)


def deflated_spaces(mebibytes: int) -> bytes:
    """A raw deflate stream of `mebibytes` MiB of spaces (a valid start of XML), made without
    producing them: after a full flush the compressor starts afresh, so every MiB compresses
    to the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    mebibyte = b" " * (1024 * 1024)
    compressor.compress(mebibyte)
    compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(mebibyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (mebibytes - 1) + compressor.compress(mebibyte) + compressor.flush()


GIGABYTE_BOMB = deflated_spaces(1024)  # 1 GiB in about 1 MB


def gigabyte_bomb(name: str = _DOC, declared: int | None = 1024**3) -> bytes:
    """A valid .docx whose `name` member inflates to 1 GiB; `declared` None: sizes that lie."""
    bomb = RawEntry(name, GIGABYTE_BOMB, file_size=declared or len(GIGABYTE_BOMB))
    return raw_zip([word_entry("[Content_Types].xml"), bomb] + [word_entry()] * (name != _DOC))


def word_entry(name: str = _DOC) -> RawEntry:
    return RawEntry(name, _WORD.encode(), zipfile.ZIP_STORED, zlib.crc32(_WORD.encode()))


def hundred_thousand_entries() -> bytes:
    empty = [RawEntry(f"word/e{i}.txt", b"", zipfile.ZIP_STORED) for i in range(100_000)]
    return raw_zip([word_entry(), *empty], declared_count=1)  # a count that lies


def declared_total_too_large() -> bytes:
    small = zlib.compress(b"x", 9)[2:-4]
    return raw_zip(
        [word_entry()] + [RawEntry(f"word/media/{i}.bin", small, file_size=10**8) for i in range(4)]
    )


def nested_zip_bomb() -> bytes:
    """A document that embeds a 1 GiB zip bomb (stored: a deflated copy of its repeated blocks
    would itself be over the ratio limit): it is copied, never opened."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(_DOC, _WORD, zipfile.ZIP_DEFLATED)
        zf.writestr("word/embeddings/inner.zip", gigabyte_bomb())
    return out.getvalue()


def bzip2_entry() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as zf:
        zf.writestr(_DOC, _WORD)
    return out.getvalue()


def cut_deflate_stream() -> bytes:
    stream = zlib.compress(_WORD.encode() * 20, 9)[2:-4]
    whole = zlib.crc32(_WORD.encode() * 20)
    return raw_zip([RawEntry(_DOC, stream[: len(stream) // 2], crc=whole, file_size=100)])


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
    "zip bomb of 1 GiB, sizes declared": (gigabyte_bomb, "a.docx", {}, UnsafeDocumentError),
    "zip bomb of 1 GiB, sizes that lie": (
        lambda: gigabyte_bomb(declared=None),
        "a.docx",
        {},
        UnsafeDocumentError,
    ),
    "zip bomb of 1 GiB in a media entry": (
        lambda: gigabyte_bomb("word/media/image1.png", declared=None),
        "a.docx",
        {},
        UnsafeDocumentError,
    ),
    "zip declared total over the limit": (
        declared_total_too_large,
        "a.docx",
        {},
        UnsafeDocumentError,
    ),
    "zip unsupported compression": (bzip2_entry, "a.docx", {}, CorruptDocumentError),
    "zip deflate stream cut short": (cut_deflate_stream, "a.docx", {}, CorruptDocumentError),
    "zip slip name": (zip_slip, "a.docx", {}, UnsafeDocumentError),
    "zip encrypted": (encrypted, "a.docx", {}, EncryptedDocumentError),
    "zip truncated": (truncated, "a.docx", {}, CorruptDocumentError),
    "dtd inside a package": (dtd_in_package, "a.docx", {}, UnsafeDocumentError),
    "billion laughs": (lambda: BILLION_LAUGHS, "a.xliff", {}, UnsafeDocumentError),
    "external entity": (lambda: XXE, "a.xlf", {}, UnsafeDocumentError),
    "deep xml nesting": (deep_xliff, "a.xliff", {}, UnsafeDocumentError),
    "deep html nesting": (deep_html, "a.html", {"xml_max_depth": 100}, UnsafeDocumentError),
    "html tag flood": (
        lambda: b"<br>" * 20_000,
        "a.html",
        {"html_max_tokens": 5_000},
        DocumentTooLargeError,
    ),
    "doctype run": (lambda: b"<!DOCTYPE " * 200_000, "a.xliff", {}, UnsupportedDocumentError),
    "doctype run inside a package": (
        lambda: _zip({_DOC: b"<!DOCTYPE " * 200_000}),
        "a.docx",
        {"zip_max_ratio": 1e6},  # so that the XML check, not the ratio, refuses it
        CorruptDocumentError,
    ),
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


@dataclass(frozen=True)
class Outcome:
    """What a child process saw: the error raised (if any), seconds and peak RSS growth."""

    error: str | None
    status: int
    message: str
    seconds: float
    rss_growth: int


def _rss_kib(key: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ":"))


def _child(send: Connection, work: Callable[[], object]) -> None:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak RSS starts again from the current RSS
    baseline = _rss_kib("VmRSS")
    started = time.monotonic()
    error, status, message = None, 0, ""
    try:
        work()
    except DocumentError as exc:
        error, status, message = type(exc).__name__, exc.status_code, exc.message
    seconds = time.monotonic() - started
    send.send(Outcome(error, status, message, seconds, (_rss_kib("VmHWM") - baseline) * 1024))


def in_child(work: Callable[[], object]) -> Outcome:
    """Run `work` in a forked process and measure its peak RSS growth, which nothing else in the
    test process can disturb (zlib's and lxml's memory is invisible to tracemalloc)."""
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child, args=(send, work))
    child.start()
    outcome: Outcome = receive.recv()
    child.join()
    return outcome


def guard_with(**overrides: object) -> Guard:
    return Guard(DocumentSettings(_env_file=None, **overrides))  # type: ignore[arg-type,call-arg]


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_document_is_refused_quickly_with_bounded_memory(name: str) -> None:
    build, filename, overrides, expected = CASES[name]
    data = build()
    guard = guard_with(**overrides)
    limit = guard.settings.zip_max_entries
    outcome = in_child(lambda: detect(data, filename, limit).prepare(data, guard))
    assert outcome.error == expected.__name__
    assert 400 <= outcome.status < 500
    assert outcome.seconds < 1.0
    assert outcome.rss_growth < 64 * 1024 * 1024
    assert "/" not in outcome.message and "Traceback" not in outcome.message


def test_twenty_mib_of_bare_tags_is_refused_within_a_bounded_memory() -> None:
    """Read whole, 20 MiB of ``<br>`` took ~2 GB; the token bound stops it at the default."""
    data = b"<br>" * (5 * 1024 * 1024)
    outcome = in_child(lambda: detect(data, "a.html").prepare(data, guard_with()))
    assert outcome.error == DocumentTooLargeError.__name__ and outcome.status == 413
    assert "MT_DOC_HTML_MAX_TOKENS" in outcome.message
    assert outcome.rss_growth < 160 * 1024 * 1024


def bookmarked_paragraphs(count: int) -> bytes:
    """`count` empty paragraphs, two elements each: the most elements a byte of XML can carry
    while compressing less than the ratio bound (each bookmark has its own name)."""
    return b"".join(
        b'<w:p><w:bookmarkStart w:id="%d" w:name="b%x"/></w:p>' % (i, i * 2654435761 % 2**48)
        for i in range(count)
    )


def docx_with(document_body: bytes, styles: bytes = b"") -> bytes:
    head, tail = _WORD.encode().split(b"<w:body>")
    entries = {_DOC: head + b"<w:body>" + document_body + tail}
    if styles:
        entries["word/styles.xml"] = (
            b'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            + styles
            + b"</w:styles>"
        )
    return _zip(entries)


@pytest.mark.parametrize(
    "name, build",
    [
        ("a.docx", lambda: docx_with(bookmarked_paragraphs(260_000))),
        (
            "a.xliff",
            lambda: (
                b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>'
                + b'<trans-unit id="1"><source>a</source></trans-unit>' * 260_000
                + b"</body></file></xliff>"
            ),
        ),
    ],
)
def test_a_document_of_more_xml_elements_than_the_bound_is_refused_before_it_is_parsed(
    name: str, build: Callable[[], bytes]
) -> None:
    """Parsed whole, 12 MiB of such paragraphs (2.2 MiB of docx) took 310 MiB; the bound
    (500,000 elements) refuses more while the upload is checked, before any tree is built."""
    data = build()
    outcome = in_child(lambda: detect(data, name).prepare(data, guard_with()))
    assert outcome.error == DocumentTooLargeError.__name__ and outcome.status == 413
    assert "MT_DOC_XML_MAX_ELEMENTS" in outcome.message
    assert outcome.rss_growth < 64 * 1024 * 1024


def test_the_check_of_a_part_nobody_translates_keeps_no_element_it_has_seen() -> None:
    """styles.xml is checked while inflated and never parsed: 400,000 elements the check left in
    their parent took 31 MiB more; now 3 MiB."""
    data = docx_with(
        b"", styles=b"".join(b'<w:style w:styleId="s%d"/>' % i for i in range(400_000))
    )
    outcome = in_child(lambda: detect(data, "a.docx").prepare(data, guard_with()))
    assert outcome.error is None
    assert outcome.rss_growth < 16 * 1024 * 1024


LINE_DOCUMENTS = {
    "a.md": lambda lines: b"- a\n" * lines,  # a list item a line: the costliest Markdown
    "a.txt": lambda lines: b"a\n" * lines,
    "a.po": lambda lines: b'msgid "a"\nmsgstr ""\n\n' * (lines // 3),
    "a.srt": lambda lines: b"".join(
        b"%d\n00:00:01,000 --> 00:00:02,000\na\n\n" % i for i in range(1, lines // 4 + 1)
    ),
    "a.vtt": lambda lines: b"WEBVTT\n\n" + b"00:01.000 --> 00:02.000\na\n\n" * (lines // 3),
}


@pytest.mark.parametrize("name", list(LINE_DOCUMENTS))
def test_a_text_document_of_more_lines_than_the_bound_is_refused_before_it_is_parsed(
    name: str,
) -> None:
    """Parsed whole, 2 MiB of one-letter Markdown list items took 1,357 MiB (2.6 KiB a line), so
    line formats are refused past MT_DOC_TEXT_MAX_LINES (100,000) while still bytes."""
    data = LINE_DOCUMENTS[name](120_000)
    outcome = in_child(lambda: detect(data, name).prepare(data, guard_with()))
    assert outcome.error == DocumentTooLargeError.__name__ and outcome.status == 413
    assert "MT_DOC_TEXT_MAX_LINES" in outcome.message
    assert outcome.rss_growth < 32 * 1024 * 1024


@pytest.mark.parametrize("name", list(LINE_DOCUMENTS))
def test_a_text_document_within_the_line_bound_is_read(name: str) -> None:
    data = LINE_DOCUMENTS[name](1_200)
    lines = data.count(b"\n") + 1
    detect(data, name).prepare(data, guard_with(text_max_lines=lines))
    with pytest.raises(DocumentTooLargeError):
        detect(data, name).prepare(data, guard_with(text_max_lines=lines - 1))


def test_a_hundred_thousand_entries_are_refused_from_the_central_directory() -> None:
    data = hundred_thousand_entries()
    outcome = in_child(lambda: open_zip(data, guard_with(), lambda name: True))
    assert outcome.error == UnsafeDocumentError.__name__
    assert outcome.seconds < 0.1  # zipfile alone takes over a second to list them
    assert outcome.rss_growth < 8 * 1024 * 1024


def test_detection_refuses_a_hundred_thousand_entries_before_zipfile_lists_them() -> None:
    data = hundred_thousand_entries()
    limit = guard_with().settings.zip_max_entries
    outcome = in_child(lambda: detect(data, "a.docx", limit))
    assert outcome.error == UnsafeDocumentError.__name__
    assert outcome.seconds < 0.1  # a ZipFile of every upload took 2.08 s (and +42 MiB) here
    assert outcome.rss_growth < 8 * 1024 * 1024


def test_a_bomb_is_stopped_within_a_few_steps_of_crossing_the_ratio() -> None:
    data = gigabyte_bomb(declared=None)
    outcome = in_child(lambda: open_zip(data, guard_with(), lambda name: True))
    assert outcome.error == UnsafeDocumentError.__name__
    assert "ratio" in outcome.message
    assert outcome.rss_growth < 8 * 1024 * 1024  # the floor (1 MiB) and a few 64 KiB steps


def translated(data: bytes) -> bytes:
    return detect(data, "a.docx").translate(data, lambda batch: batch, guard_with())


def test_an_embedded_zip_bomb_is_copied_and_never_opened() -> None:
    data = nested_zip_bomb()
    outcome = in_child(lambda: translated(data))
    assert outcome.error is None
    assert outcome.seconds < 1.0 and outcome.rss_growth < 64 * 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(translated(data))) as rebuilt:
        assert rebuilt.read("word/embeddings/inner.zip") == gigabyte_bomb()


def test_a_large_media_entry_is_streamed_not_held_when_checked_and_rebuilt() -> None:
    media = os.urandom(24 * 1024 * 1024)
    data = _zip({_DOC: _WORD.encode(), "word/media/video.bin": media})
    outcome = in_child(lambda: translated(data))
    assert outcome.error is None
    assert outcome.rss_growth < 24 * 1024 * 1024 + 16 * 1024 * 1024  # the output, no copy more


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
