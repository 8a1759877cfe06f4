"""A raw HTTP/1.1 exchange over a socket, for what httpx will not do: announce a 20 MB body
and see whether the answer comes before it is sent, or hang up in the middle of a request."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit


async def open_connection(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(url)
    return await asyncio.open_connection(parts.hostname, parts.port or 80)


def head(path: str, content_type: str, length: int | None) -> bytes:
    """Request line and headers; `length` None means ``Transfer-Encoding: chunked``."""
    framing = "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
    return (
        f"POST {path} HTTP/1.1\r\nHost: reliability\r\nContent-Type: {content_type}\r\n"
        f"{framing}\r\n\r\n"
    ).encode()


async def read_status(reader: asyncio.StreamReader, timeout: float) -> int | None:
    """The status code of the answer, or None if none came within `timeout` s."""
    try:
        line = await asyncio.wait_for(reader.readline(), timeout)
    except (TimeoutError, ConnectionError):
        return None
    fields = line.split()
    return int(fields[1]) if len(fields) >= 2 and fields[1].isdigit() else None


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
