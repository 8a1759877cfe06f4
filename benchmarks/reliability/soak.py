"""Soak: half of capacity, open loop, for ``--soak-seconds`` (600 by default, 45 with
``--quick``), normal captions mixed with pathological texts (every 20th request) and hostile
documents (one every 5 s); the server's RSS (/proc/PID/status VmRSS, every second) must grow
by less than 100 MB from the start to 5 s after the end, and no request may get a 5xx."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

from benchmarks.reliability import capacity, hostile_documents, pathological_text
from benchmarks.reliability.common import (
    Context,
    Row,
    RssSampler,
    client,
    delta,
    ms,
    open_loop,
    percentile,
    rss_mb,
    server_5xx,
)

NAME = "soak"
GROWTH_MB = 100.0
SHARE = 0.5
PATHOLOGICAL_EVERY = 20
DOCUMENT_EVERY_S = 5.0


async def documents_until(ctx: Context, stop: asyncio.Event) -> list[int]:
    """Upload the hostile documents in turn, one every few seconds, until `stop`."""
    statuses = []
    documents = itertools.cycle(await asyncio.to_thread(hostile_documents.hostile))
    async with client(1) as http:
        while not stop.is_set():
            _, name, data = next(documents)
            status, _, _ = await hostile_documents.upload(ctx, http, name, data)
            statuses.append(status)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), DOCUMENT_EVERY_S)
    return statuses


async def run(ctx: Context) -> list[Row]:
    rate = SHARE * await capacity.measure(ctx)
    seconds = ctx.soak_seconds
    texts = [text for _, text in pathological_text.cases(ctx)]

    def body(i: int) -> dict[str, Any]:
        if i % PATHOLOGICAL_EVERY == 0:
            text = texts[(i // PATHOLOGICAL_EVERY) % len(texts)]
            return ctx.translate_body(text if isinstance(text, list) else [text])
        return ctx.translate_body()

    before = await server_5xx(ctx.url)
    stop = asyncio.Event()
    async with RssSampler(ctx.pid, 1.0) as rss:
        uploads = asyncio.create_task(documents_until(ctx, stop))
        stats = await open_loop(ctx, rate, seconds, body)
        stop.set()
        document_statuses = await uploads
    await asyncio.sleep(5)
    settled = rss_mb(ctx.pid)
    counted = delta(before, await server_5xx(ctx.url))
    documents_5xx = sum(1 for s in document_statuses if s >= 500)
    fivexx = stats.server_errors + documents_5xx
    rows = [
        Row(
            f"soak {seconds:.0f} s: no 5xx",
            f"5xx {fivexx} (/metrics {counted}); transport errors {sum(stats.errors.values())}",
            "0 5xx",
            fivexx == 0 and not counted and not stats.errors,
            f"{rate:.1f} req/s, {stats.total} requests ({stats.statuses()}), "
            f"{len(document_statuses)} hostile documents; p99 of 200s "
            f"{ms(percentile(stats.of(lambda s: s == 200), 0.99))}; {stats.client_overhead()}",
        )
    ]
    if rss.start is None or settled is None:
        rows.append(Row(f"soak {seconds:.0f} s: RSS growth", "n/a", "< 100 MB", None, "no --pid"))
        return rows
    growth = settled - rss.start
    rows.append(
        Row(
            f"soak {seconds:.0f} s: RSS growth",
            f"{growth:+.0f} MB ({rss.start:.0f} -> {settled:.0f} MB, peak {rss.peak:.0f} MB)",
            "< 100 MB",
            growth < GROWTH_MB,
            f"1 in {PATHOLOGICAL_EVERY} requests pathological, a hostile document every "
            f"{DOCUMENT_EVERY_S:.0f} s; end measured 5 s after the load",
        )
    )
    return rows
