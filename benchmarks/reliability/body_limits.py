"""Body limits: a 20 MB body is refused with 413 fast (< 100 ms), before it is read.

Documents may be 20 MiB themselves (``MT_DOC_MAX_UPLOAD_BYTES``), so their upload announces
twice that. The client announces the size (or streams chunks), sends only the first 64 KiB
(chunked: 64 KiB chunks until the answer comes) and waits for the answer: an answer while
most of the body is still unsent proves the server did not read it."""

from __future__ import annotations

import asyncio
import time

from benchmarks.reliability import rawhttp
from benchmarks.reliability.common import Context, Row, ms

NAME = "body_limits"
BODY = 20 * 2**20
_CHUNK = b"a" * 65536


async def announced(
    ctx: Context, path: str, content_type: str, size: int
) -> tuple[int | None, float]:
    """Status and time to it for a `size`-byte Content-Length of which 64 KiB are sent."""
    reader, writer = await rawhttp.open_connection(ctx.url)
    try:
        start = time.perf_counter()
        writer.write(rawhttp.head(path, content_type, size) + _CHUNK)
        await writer.drain()
        status = await rawhttp.read_status(reader, 5.0)
        return status, time.perf_counter() - start
    finally:
        await rawhttp.close(writer)


async def chunked(ctx: Context, path: str) -> tuple[int | None, float, int]:
    """Status, time to it and bytes sent for a chunked body of up to `BODY` bytes."""
    reader, writer = await rawhttp.open_connection(ctx.url)
    sent = 0
    try:
        start = time.perf_counter()
        writer.write(rawhttp.head(path, "application/json", None))
        answer = asyncio.create_task(rawhttp.read_status(reader, 10.0))
        while sent < BODY and not answer.done():
            writer.write(b"%x\r\n%s\r\n" % (len(_CHUNK), _CHUNK))
            sent += len(_CHUNK)
            try:
                await asyncio.wait_for(writer.drain(), 1.0)
            except (TimeoutError, ConnectionError):
                break
        status = await answer
        return status, time.perf_counter() - start, sent
    finally:
        await rawhttp.close(writer)


async def run(ctx: Context) -> list[Row]:
    rows = []
    cases = (
        ("/v1/translate", "application/json", BODY),
        ("/v2/translate", "application/x-www-form-urlencoded", BODY),
        ("/v1/documents", "multipart/form-data; boundary=x", 2 * BODY),
    )
    for path, content_type, size in cases:
        status, seconds = await announced(ctx, path, content_type, size)
        rows.append(
            Row(
                f"{size // 2**20} MiB body announced to {path}",
                f"{status} in {ms(seconds)}",
                "413 in < 100 ms",
                status == 413 and seconds < 0.1,
                f"answered after 64 KiB of {size // 2**20} MiB were sent",
            )
        )
    status, seconds, sent = await chunked(ctx, "/v1/translate")
    answer = "no answer read (connection reset)" if status is None else str(status)
    rows.append(
        Row(
            "20 MiB chunked body to /v1/translate",
            f"{answer} in {ms(seconds)}",
            "413 before the body is all sent",
            status == 413 and sent < BODY,
            f"{sent / 2**20:.1f} MiB sent when the answer came",
        )
    )
    return rows
