"""Hostile documents: each is refused with a 4xx in < 1 s, the server's RSS grows < 64 MB
while it handles it, and no temporary file is left behind.

Built here, in memory, once per run: a zip bomb inside an otherwise valid .docx, a .docx with
100,000 entries, XML and HTML nested far too deep, billion laughs (XLIFF and .docx), an
external entity, truncated and corrupt files, and files whose extension lies. One legal
document goes with them: HTML nested just under the depth limit must come back whole.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import time
import zipfile
from functools import cache

import httpx

from benchmarks.reliability.common import Context, Row, RssSampler, client, ms, temp_entries

NAME = "hostile_documents"
LIMIT_S = 1.0
GROWTH_MB = 64.0
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    b'"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
    b'"word/document.xml"/></Relationships>'
)
_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)


_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
_DOC_HEAD = b'<w:document xmlns:w="%s"><w:body>' % _W.encode()
_DOC_TAIL = b"</w:body></w:document>"


def document_xml(body: bytes, declaration: bytes = _XML_DECLARATION) -> bytes:
    return declaration + _DOC_HEAD + body + _DOC_TAIL


def paragraph(text: bytes) -> bytes:
    return b"<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % text


def docx(document: bytes, extra_entries: int = 0, bomb_mb: int = 0) -> bytes:
    """A .docx whose word/document.xml is `document` (or a `bomb_mb` MB paragraph)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _RELS)
        if bomb_mb:
            with package.open("word/document.xml", "w") as entry:
                entry.write(_XML_DECLARATION + _DOC_HEAD + b"<w:p><w:r><w:t>")
                chunk = b"a" * 2**20
                for _ in range(bomb_mb):
                    entry.write(chunk)
                entry.write(b"</w:t></w:r></w:p>" + _DOC_TAIL)
        else:
            package.writestr("word/document.xml", document)
        for i in range(extra_entries):
            package.writestr(zipfile.ZipInfo(f"customXml/item{i}.xml"), b"")
    return buffer.getvalue()


def xliff(prolog: bytes, source: bytes) -> bytes:
    return prolog + (
        b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file '
        b'source-language="en" target-language="de" datatype="plaintext" original="x"><body>'
        b'<trans-unit id="1"><source>%s</source></trans-unit></body></file></xliff>' % source
    )


def nested_html(depth: int) -> bytes:
    return (
        b"<html><body>"
        + b"<div>" * depth
        + b"<p>A dog runs.</p>"
        + b"</div>" * depth
        + (b"<p>Two children play in the snow.</p></body></html>")
    )


@cache
def hostile() -> tuple[tuple[str, str, bytes], ...]:
    """(case, file name, bytes) of every document that must be refused."""
    valid = docx(valid_body())
    deep_xml = b"<w:p>" * 100_000 + b"<w:r><w:t>deep</w:t></w:r>" + b"</w:p>" * 100_000
    rng = random.Random(5)
    return (
        ("zip bomb in a valid .docx (256 MB inflated)", "bomb.docx", docx(b"", bomb_mb=256)),
        ("100,000-entry .docx", "entries.docx", docx(valid_body(), extra_entries=100_000)),
        ("XML nested 100,000 deep (.docx)", "deep.docx", docx(document_xml(deep_xml))),
        ("HTML nested 100,000 deep", "deep.html", nested_html(100_000)),
        ("HTML nested 300 deep (limit 256)", "deep300.html", nested_html(300)),
        ("billion laughs (.xlf)", "laughs.xlf", xliff(_LAUGHS, b"&lol9;")),
        (
            "billion laughs (.docx)",
            "laughs.docx",
            docx(document_xml(paragraph(b"&lol9;"), declaration=_LAUGHS)),
        ),
        (
            "external entity (.xlf)",
            "xxe.xlf",
            xliff(
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
                b"&e;",
            ),
        ),
        ("truncated .docx (first half)", "truncated.docx", valid[: len(valid) // 2]),
        ("corrupt .docx (random bytes)", "random.docx", rng.randbytes(50_000)),
        ("corrupt .xlsx (random bytes)", "random.xlsx", rng.randbytes(50_000)),
        ("corrupt .docx, 12 MB (the upload's own cost)", "big.docx", rng.randbytes(12_000_000)),
        ("binary named .txt", "binary.txt", rng.randbytes(20_000)),
        ("HTML named .docx", "page.docx", nested_html(3)),
        (".docx named .pptx", "slides.pptx", valid),
        ("empty file", "empty.docx", b""),
    )


def valid_body() -> bytes:
    return document_xml(paragraph(b"A dog runs in the park."))


async def upload(
    ctx: Context, http: httpx.AsyncClient, name: str, data: bytes
) -> tuple[int, float, bytes]:
    """Status, seconds and body of a synchronous ``POST /v1/documents``."""
    start = time.perf_counter()
    response = await http.post(
        f"{ctx.url}/v1/documents",
        files={"file": (name, data, "application/octet-stream")},
        data={"source": ctx.source, "target": ctx.target, "mode": "sync"},
    )
    return response.status_code, time.perf_counter() - start, response.content


def error_code(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "no error envelope"


async def run(ctx: Context) -> list[Row]:
    documents = await asyncio.to_thread(hostile)
    rows: list[Row] = []
    before = temp_entries(ctx.server_tmp)
    async with client(2) as http:
        for case, name, data in documents:
            async with RssSampler(ctx.pid, 0.005) as rss:
                status, seconds, body = await upload(ctx, http, name, data)
            growth = rss.peak_growth
            grew = "RSS n/a" if growth is None else f"+{growth:.0f} MB RSS"
            rows.append(
                Row(
                    f"document: {case}",
                    f"{status} in {ms(seconds)}, {grew}",
                    "4xx < 1 s, < 64 MB",
                    400 <= status < 500 and seconds < LIMIT_S and (growth or 0) < GROWTH_MB,
                    f"{len(data) / 1024:.0f} KiB upload; "
                    + (f"{len(body)} bytes back" if status == 200 else error_code(body)),
                )
            )
        legal = nested_html(250)
        status, seconds, body = await upload(ctx, http, "deep250.html", legal)
        rows.append(
            Row(
                "document: HTML nested 250 deep (legal)",
                f"{status} in {ms(seconds)}, {len(body)} of {len(legal)} bytes back",
                "200, nothing dropped",
                status == 200 and b"</div>" * 250 in body and body.count(b"<p>") == 2,
                "both paragraphs and every closing tag must come back",
            )
        )
    await asyncio.sleep(0.5)
    left = sorted(temp_entries(ctx.server_tmp) - before)
    rows.append(
        Row(
            "documents: temporary files left",
            f"{len(left)} new entries in {ctx.server_tmp}",
            "0",
            not left,
            ", ".join(left[:5])
            if left
            else (
                "the server's own TMPDIR" if ctx.start else "shared /tmp: others' files may show up"
            ),
        )
    )
    return rows
