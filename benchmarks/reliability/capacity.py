"""Capacity: a short closed-loop ramp (1, 2, 4, ... clients) until throughput stops growing.

The best requests/s answered 200 is the capacity that steady load (70%) and overload (3x)
are sized from.
"""

from __future__ import annotations

from benchmarks.reliability.common import Context, Row, closed_loop, delta, server_5xx

NAME = "capacity"
_CLIENTS = (1, 2, 4, 8, 16, 32, 64)


async def measure(ctx: Context) -> float:
    """Requests/s at saturation (also stored as ``ctx.state["capacity"]``)."""
    if "capacity" in ctx.state:
        return float(ctx.state["capacity"])
    step = ctx.seconds(5, 3)
    best, best_clients, flat, errors = 0.0, 0, 0, 0
    for clients in _CLIENTS:
        rate, server_errors = await closed_loop_step(ctx, clients, step)
        errors += server_errors
        if rate > best * 1.05:
            best, best_clients, flat = rate, clients, 0
        else:
            flat += 1
            if flat == 2:
                break
    ctx.state.update(capacity=best, capacity_clients=best_clients, capacity_5xx=errors)
    return best


async def closed_loop_step(ctx: Context, clients: int, seconds: float) -> tuple[float, int]:
    stats = await closed_loop(ctx, clients, seconds)
    ctx.state["capacity_overhead"] = stats.client_overhead()
    return stats.count(lambda s: s == 200) / stats.wall_s, stats.server_errors


async def run(ctx: Context) -> list[Row]:
    before = await server_5xx(ctx.url)
    ctx.state.pop("capacity", None)
    capacity = await measure(ctx)
    counted = delta(before, await server_5xx(ctx.url))
    sentences = capacity * ctx.sentences_per_request
    return [
        Row(
            "capacity (closed-loop ramp)",
            f"{capacity:.1f} req/s ({sentences:.0f} sentences/s) at "
            f"{ctx.state['capacity_clients']} clients",
            "0 5xx",
            ctx.state["capacity_5xx"] == 0 and not counted,
            f"{ctx.sentences_per_request} captions per request; 5xx in /metrics: {counted}; "
            f"at the last step {ctx.state['capacity_overhead']}",
        )
    ]
