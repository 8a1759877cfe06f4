"""Steady load: open-loop arrivals at 70% of the measured capacity; 0 5xx, p50/p99 latency.

Its p99 is the "normal-load p99" that overload's accepted requests are compared with.
"""

from __future__ import annotations

from benchmarks.reliability import capacity
from benchmarks.reliability.common import Context, Row, delta, ms, open_loop, percentile, server_5xx

NAME = "steady"
SHARE = 0.7


async def measure(ctx: Context) -> float:
    """p99 of 200s at 70% load (runs the check if no earlier one did)."""
    if "steady_p99" not in ctx.state:
        await run(ctx)
    return float(ctx.state["steady_p99"])


async def run(ctx: Context) -> list[Row]:
    rate = SHARE * await capacity.measure(ctx)
    seconds = ctx.seconds(45, 20)
    before = await server_5xx(ctx.url)
    stats = await open_loop(ctx, rate, seconds)
    counted = delta(before, await server_5xx(ctx.url))
    ok = stats.of(lambda s: s == 200)
    p50, p99 = percentile(ok, 0.5), percentile(ok, 0.99)
    ctx.state["steady_p99"] = p99
    passed = stats.server_errors == 0 and not counted and not stats.errors
    return [
        Row(
            f"steady load, 70% of capacity for {seconds:.0f} s",
            f"5xx {stats.server_errors}; p50 {ms(p50)}, p99 {ms(p99)}",
            "0 5xx",
            passed,
            f"{rate:.1f} req/s open loop, {stats.total} requests ({stats.statuses()}); "
            f"5xx in /metrics: {counted}; {stats.client_overhead()}",
        )
    ]
