"""Disconnects: clients that hang up mid-request (after sending a whole translation request,
before its answer) and mid-upload (half a body sent, to /v1/translate and /v1/documents)
cost nothing: no 5xx counted in /metrics, no traceback in the log, the server stays alive
and answers the next request."""

from __future__ import annotations

import asyncio
import json

import httpx

from benchmarks.reliability import rawhttp
from benchmarks.reliability.common import Context, Row, delta, log_tracebacks, server_5xx

NAME = "disconnects"
ROUNDS = 20


async def hang_up(ctx: Context, path: str, content_type: str, body: bytes, sent: int) -> None:
    """Send the head and the first `sent` bytes of `body`, wait a moment, hang up."""
    _reader, writer = await rawhttp.open_connection(ctx.url)
    writer.write(rawhttp.head(path, content_type, len(body)) + body[:sent])
    await writer.drain()
    await asyncio.sleep(0.05)
    await rawhttp.close(writer)


def multipart(ctx: Context, size: int) -> tuple[str, bytes]:
    boundary = "reliabilityboundary"
    fields = b"".join(
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (boundary.encode(), name, value.encode())
        for name, value in ((b"source", ctx.source), (b"target", ctx.target))
    )
    file_part = (
        b'--%s\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n" % boundary.encode()
    ) + b"A dog runs in the park. " * (size // 24)
    body = fields + file_part + b"\r\n--%s--\r\n" % boundary.encode()
    return f"multipart/form-data; boundary={boundary}", body


async def run(ctx: Context) -> list[Row]:
    before, traces = await server_5xx(ctx.url), log_tracebacks(ctx)
    translation = json.dumps(ctx.translate_body([next(ctx.captions) for _ in range(40)])).encode()
    upload_type, upload = multipart(ctx, 2**20)
    cases = (
        ("mid-request (whole body sent)", "/v1/translate", "application/json", translation, None),
        ("mid-upload /v1/translate", "/v1/translate", "application/json", translation, 0.5),
        ("mid-upload /v1/documents", "/v1/documents", upload_type, upload, 0.5),
    )
    for _, path, content_type, body, share in cases:
        sent = len(body) if share is None else int(len(body) * share)
        await asyncio.gather(*(hang_up(ctx, path, content_type, body, sent) for _ in range(ROUNDS)))
    await asyncio.sleep(1.0)
    async with httpx.AsyncClient(timeout=10) as http:
        alive = (await http.get(f"{ctx.url}/healthz")).status_code == 200
        answered = await http.post(f"{ctx.url}/v1/translate", json=ctx.translate_body())
    counted = delta(before, await server_5xx(ctx.url))
    new_traces = delta(traces, log_tracebacks(ctx))
    return [
        Row(
            "disconnects mid-request and mid-upload",
            f"5xx in /metrics {counted}; tracebacks {'n/a' if new_traces is None else new_traces}"
            f"; alive {alive}",
            "0 5xx, no traceback, alive",
            counted == 0 and not new_traces and alive and answered.status_code == 200,
            f"{ROUNDS} clients per case: "
            + ", ".join(c[0] for c in cases)
            + f"; next request {answered.status_code}",
        )
    ]
