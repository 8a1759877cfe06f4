"""SIGTERM under load (``--start`` only): a fresh server of its own gets SIGTERM while 16
clients keep translating; every request must get an answer (any status but 500) or a clean
connection refusal once shutdown began, and the process must exit cleanly: code 0, or killed
by the SIGTERM that uvicorn (>= 0.29) re-raises once its graceful shutdown has finished
(-15; the log then ends with "Finished server process").

Each request opens its own connection, so "refused" (connect failed) and "dropped" (connected,
then closed or reset without an answer) can be told apart.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.reliability import server
from benchmarks.reliability.common import REQUEST_TIMEOUT_S, Context, Row

NAME = "sigterm"
CLIENTS = 16


async def clients_until_refused(
    ctx: Context, url: str, signalled: asyncio.Event, give_up: float
) -> Counter[str]:
    """Each client translates until a connection is refused after the signal (or `give_up`)."""
    outcomes: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=0)

    async def one(http: httpx.AsyncClient) -> None:
        while time.monotonic() < give_up:
            try:
                response = await http.post(f"{url}/v1/translate", json=ctx.translate_body())
                outcomes[f"answered {response.status_code}"] += 1
            except httpx.ConnectError:
                outcomes["refused" if signalled.is_set() else "refused before SIGTERM"] += 1
                if signalled.is_set():
                    return
                await asyncio.sleep(0.05)
            except httpx.HTTPError as error:
                outcomes[f"dropped ({type(error).__name__})"] += 1

    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S) as http:
        await asyncio.gather(*(one(http) for _ in range(CLIENTS)))
    return outcomes


async def run(ctx: Context) -> list[Row]:
    if not ctx.start or ctx.log is None:
        return [Row("SIGTERM under load", "not run", "0 dropped, exit 0", None, "needs --start")]
    workdir: Path = ctx.log.parent
    started = await asyncio.to_thread(server.launch, workdir, "sigterm-server")
    signalled = asyncio.Event()
    load = asyncio.create_task(
        clients_until_refused(ctx, started.url, signalled, time.monotonic() + 60)
    )
    await asyncio.sleep(ctx.seconds(5, 3))
    started.process.terminate()
    signalled.set()
    outcomes = await load
    code = await asyncio.to_thread(server.stop, started)
    dropped = sum(v for k, v in outcomes.items() if k.startswith("dropped"))
    errors = sum(
        v for k, v in outcomes.items() if k.startswith("answered 5") and k != "answered 503"
    )
    early = outcomes["refused before SIGTERM"]
    finished = "Finished server process" in started.log.read_text(errors="replace")
    clean = code == 0 or (code == -signal.SIGTERM and finished)
    return [
        Row(
            "SIGTERM under load",
            f"dropped {dropped}, 5xx {errors}, exit code {code}",
            "0 dropped, clean exit (0)",
            dropped == 0 and errors == 0 and early == 0 and clean,
            ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
            + f"; {CLIENTS} clients, one connection per request; log {started.log.name}",
        )
    ]
