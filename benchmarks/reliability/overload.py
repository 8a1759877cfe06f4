"""Overload: open-loop arrivals at 3x capacity; 0 5xx, 429 p99 < 100 ms, accepted p99 within
1.5x the steady-load p99. /healthz is probed all along (see `liveness`)."""

from __future__ import annotations

import asyncio
import time

import httpx

from benchmarks.reliability import capacity, steady
from benchmarks.reliability.common import (
    Context,
    Row,
    delta,
    ms,
    open_loop,
    percentile,
    server_5xx,
)

NAME = "overload"
FACTOR = 3.0


async def probe_health(url: str, stop: asyncio.Event, interval: float = 0.1) -> list[float]:
    """/healthz latencies (inf for a failure), every `interval` s on its own connection."""
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=10) as http:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                ok = (await http.get(f"{url}/healthz")).status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start if ok else float("inf"))
            await asyncio.sleep(interval)
    return latencies


async def overloaded(ctx: Context, seconds: float) -> tuple[list[Row], list[float]]:
    """Run the overload for `seconds`; its rows and the /healthz latencies meanwhile."""
    normal_p99 = await steady.measure(ctx)
    rate = FACTOR * await capacity.measure(ctx)
    before = await server_5xx(ctx.url)
    stop = asyncio.Event()
    prober = asyncio.create_task(probe_health(ctx.url, stop))
    stats = await open_loop(ctx, rate, seconds)
    stop.set()
    health = await prober
    counted = delta(before, await server_5xx(ctx.url))
    refused, accepted = stats.of(lambda s: s == 429), stats.of(lambda s: s == 200)
    refused_p99, accepted_p99 = percentile(refused, 0.99), percentile(accepted, 0.99)
    ratio = accepted_p99 / normal_p99 if normal_p99 else float("inf")
    share = len(refused) / stats.total if stats.total else 0.0
    where = f"{rate:.1f} req/s open loop for {seconds:.0f} s, {stats.total} requests"
    rows = [
        Row(
            "overload 3x: no 5xx",
            f"5xx {stats.server_errors} (/metrics {counted}); transport errors "
            f"{sum(stats.errors.values())}",
            "0 5xx",
            stats.server_errors == 0 and not counted and not stats.errors,
            f"{where} ({stats.statuses()}); {stats.client_overhead()}",
        ),
        Row(
            "overload 3x: 429 latency",
            f"p99 {ms(refused_p99)} ({share:.0%} refused)",
            "p99 < 100 ms",
            bool(refused) and refused_p99 < 0.1,
            "no 429 at all" if not refused else f"p50 {ms(percentile(refused, 0.5))}",
        ),
        Row(
            "overload 3x: accepted latency",
            f"p99 {ms(accepted_p99)} = {ratio:.1f}x steady p99 ({ms(normal_p99)})",
            "<= 1.5x steady p99",
            bool(accepted) and ratio <= 1.5,
            f"{len(accepted)} accepted; p50 {ms(percentile(accepted, 0.5))}",
        ),
    ]
    return rows, health


async def run(ctx: Context) -> list[Row]:
    rows, health = await overloaded(ctx, ctx.seconds(45, 15))
    ctx.state["overload_health"] = health
    return rows
