"""Liveness under overload: /healthz, probed every 100 ms during the 3x overload, answers
200 within 1 s every time (the overload check's probe, or a short overload of its own)."""

from __future__ import annotations

from benchmarks.reliability import overload
from benchmarks.reliability.common import Context, Row, ms, percentile

NAME = "liveness"


async def run(ctx: Context) -> list[Row]:
    health: list[float] | None = ctx.state.get("overload_health")
    if health is None:
        _, health = await overload.overloaded(ctx, ctx.seconds(20, 10))
    worst = max(health, default=float("inf"))
    failed = sum(1 for x in health if x == float("inf"))
    return [
        Row(
            "liveness under 3x overload",
            f"/healthz max {ms(worst) if failed == 0 else 'failed'}",
            "max < 1 s, always 200",
            bool(health) and worst < 1.0,
            f"{len(health)} probes, {failed} failed, p99 {ms(percentile(health, 0.99))}",
        )
    ]
