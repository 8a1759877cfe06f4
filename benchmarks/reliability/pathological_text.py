"""Pathological text: inputs that broke the service before (issue 11, items 1, 3, 4); each is
answered 200 within 1 s or refused with a clear 4xx (the error envelope, a code), never 5xx.

Plus a linearity check: patterns at 10k, 20k and 40k characters; linear work quadruples from
10k to 40k, quadratic work grows 16x. It passes when t(40k) <= 6 x t(10k) + 50 ms (see
`fastest` for how each size is timed).
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.reliability.common import Context, Row, client, ms

NAME = "pathological_text"
LIMIT_S = 1.0
LINEAR_SIZES = (10_000, 20_000, 40_000)


def run_on(ctx: Context, count: int = 8) -> str:
    """`count` captions joined into one run-on sentence (600-1,650 characters)."""
    parts = [next(ctx.captions).rstrip(".!? ") for _ in range(count)]
    return ", and ".join(p[0].lower() + p[1:] if i else p for i, p in enumerate(parts)) + "."


def random_string(length: int, seed: int = 3) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def cases(ctx: Context) -> list[tuple[str, Any]]:
    """(name, the request's ``text``): the issue's reproductions and their relatives."""
    return [
        ("300 x 'a'", "a" * 300),
        ("run-on sentence of 8 captions", run_on(ctx)),
        ("run-on sentence of 20 captions", run_on(ctx, 20)),
        ("'%s dog %d ' x 100", "%s dog %d " * 100),
        ("repeated URL x 60", "see https://example.com/a/b?c=d&e=f " * 60),
        ("random string, 2,000 chars", random_string(2000)),
        (
            "random words, 5,000 chars",
            " ".join(random_string(5000)[i : i + 7] for i in range(0, 5000, 7)),
        ),
        ("'<!--' x 12,500", "<!--" * 12_500),
        ("deep brackets (2,000)", "(" * 2000 + "a" + ")" * 2000),
        ("'<b>' x 5,000", "<b>" * 5000),
        ("'the ' x 2,000", "the " * 2000),
        ("combining marks x 3,000", "e\u0301" * 3000),
        ("digits x 3,000", "1234567890" * 300),
        ("50 identical texts of 1,000 chars", [("A dog runs in the park. " * 42)[:1000]] * 50),
        ("one emoji x 2,000", "\U0001f600" * 2000),
    ]


def linear_patterns() -> dict[str, Callable[[int], str]]:
    """Markup, placeholders and brackets: mostly text-pattern work, little for the model."""
    return {
        "'<!--' repeated": lambda n: ("<!--" * n)[:n],
        "'(' nested": lambda n: "(" * (n // 2) + ")" * (n - n // 2),
        "'%s%d ' repeated": lambda n: ("%s%d " * n)[:n],
        "'<a href=x>' repeated": lambda n: ("<a href='x'>" * n)[:n],
        "'&amp; ' repeated": lambda n: ("&amp; " * n)[:n],
        "URL repeated": lambda n: ("https://example.com/a?b=c " * n)[:n],
    }


async def timed(ctx: Context, http: httpx.AsyncClient, text: Any) -> tuple[int, float, str]:
    """Status, seconds and the error code (or output/input tokens) of one request."""
    start = time.perf_counter()
    response = await http.post(f"{ctx.url}/v1/translate", json=ctx.translate_body(
        text if isinstance(text, list) else [text]
    ))  # fmt: skip
    seconds = time.perf_counter() - start
    try:
        body = response.json()
    except ValueError:
        return response.status_code, seconds, "no JSON body"
    if response.status_code == 200:
        usage = body.get("usage", {})
        return 200, seconds, f"tokens {usage.get('input_tokens')}->{usage.get('output_tokens')}"
    return response.status_code, seconds, str(body.get("error", {}).get("code", "no error code"))


async def fastest(
    ctx: Context, http: httpx.AsyncClient, make: Callable[[int], str], size: int
) -> tuple[int, float, str]:
    """The faster of two tries after a warm-up: the warm-up puts the translation in the
    sentence cache, so the tries time what every request pays, the text preparation (it runs
    before the cache lookup); the faster of two damps a busy machine's noise."""
    await timed(ctx, http, make(size))
    tries = [await timed(ctx, http, make(size)) for _ in range(2)]
    return min(tries, key=lambda result: result[1])


def acceptable(status: int, seconds: float, note: str) -> bool:
    clear_refusal = 400 <= status < 500 and note not in ("no JSON body", "no error code")
    return (status == 200 and seconds < LIMIT_S) or (clear_refusal and seconds < LIMIT_S)


async def run(ctx: Context) -> list[Row]:
    rows = []
    async with client(4) as http:
        for name, text in cases(ctx):
            status, seconds, note = await timed(ctx, http, text)
            rows.append(
                Row(
                    f"text: {name}",
                    f"{status} in {ms(seconds)}",
                    "200 < 1 s or clear 4xx",
                    acceptable(status, seconds, note),
                    note,
                )
            )
        for name, make in linear_patterns().items():
            measured = [await fastest(ctx, http, make, size) for size in LINEAR_SIZES]
            times = [seconds for _, seconds, _ in measured]
            growth = times[-1] / times[0] if times[0] else float("inf")
            rows.append(
                Row(
                    f"linearity: {name}",
                    " / ".join(ms(t) for t in times) + f" ({growth:.1f}x)",
                    "t(40k) <= 6 x t(10k) + 50 ms, no 5xx",
                    times[-1] <= 6 * times[0] + 0.05 and all(s < 500 for s, _, _ in measured),
                    "10k/20k/40k chars; status " + "/".join(str(s) for s, _, _ in measured),
                )
            )
    return rows
