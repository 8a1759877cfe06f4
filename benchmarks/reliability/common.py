"""What every check shares: the run's context, result rows, load generators, RSS and metrics.

Load is generated with httpx (async). Closed loop (``closed_loop``): N clients, each sending
its next request when the last one is answered, used to measure capacity. Open loop
(``open_loop``): arrivals on a fixed schedule, whatever the server does, so overload really
overloads; latency is counted from the scheduled arrival, so a late client or a full
connection pool shows up as latency instead of hiding it (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import random
import re
import ssl
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
CAPTIONS = REPO.parent / "shared" / "data" / "multi30k" / "train.en.gz"
REQUEST_TIMEOUT_S = 30.0
_METRIC_5XX = re.compile(r'^mt_http_requests_total\{[^}]*status="5\d\d"[^}]*\}\s+([0-9.e+]+)', re.M)


@dataclass
class Row:
    """One line of the results table; ``passed`` is None when the check could not judge."""

    check: str
    measured: str
    target: str
    passed: bool | None
    detail: str = ""

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "**FAIL**", None: "n/a"}[self.passed]


@dataclass
class Context:
    """The server under test and what earlier checks measured (capacity, steady p99)."""

    url: str
    pid: int | None
    quick: bool
    soak_seconds: float
    source: str
    target: str
    captions: Iterator[str]
    sentences_per_request: int
    server_tmp: Path
    start: bool
    log: Path | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def seconds(self, full: float, quick: float) -> float:
        return quick if self.quick else full

    def translate_body(self, texts: list[str] | None = None) -> dict[str, Any]:
        if texts is None:
            texts = [next(self.captions) for _ in range(self.sentences_per_request)]
        return {"text": texts, "source": self.source, "target": self.target}


def load_captions(path: Path, seed: int = 11) -> Iterator[str]:
    """An endless, shuffled cycle over the captions at `path` (read in place, never copied).

    The training captions (29k) rather than val (1k): cycling through more sentences than the
    service's sentence cache holds keeps cache hits from inflating the measured capacity.
    """
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        captions = [line.strip() for line in lines if line.strip()]
    random.Random(seed).shuffle(captions)
    return itertools.cycle(captions)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


@cache
def _plain_http() -> ssl.SSLContext:
    """One TLS context for every client: loopback is plain HTTP, and httpx would otherwise
    load the CA bundle for each client it creates (~20 ms of CPU each)."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def client(connections: int = 64) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S, verify=_plain_http())


class ClientPool:
    """Keep-alive connections for load, one single-connection httpx client each.

    One httpx client with many connections costs the load generator more CPU the more
    requests wait for a connection (httpcore rescans its waiting requests on every release):
    measured on 2 busy vCPUs, 4.2 ms of client CPU per request with 64 connections in one
    client against 1.6 ms with 64 one-connection clients. Waiting here is a FIFO queue.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.clients: list[httpx.AsyncClient] = []
        self.idle: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()

    async def post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        if not self.idle.empty() or len(self.clients) >= self.limit:
            http = await self.idle.get()
        else:
            http = client(1)
            self.clients.append(http)
        try:
            return await http.post(url, json=body)
        finally:
            self.idle.put_nowait(http)

    async def __aenter__(self) -> ClientPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(http.aclose() for http in self.clients))


# ---------------------------------------------------------------------------------- server state


def rss_mb(pid: int | None, field: str = "VmRSS") -> float | None:
    """A memory figure of `pid` from /proc/PID/status (VmRSS: resident now; VmHWM: peak
    resident since start or the last reset), in MB; None when unknown."""
    if pid is None:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else None


def reset_peak_rss(pid: int | None) -> bool:
    """Reset the kernel's peak-RSS mark of `pid` (``5`` to /proc/PID/clear_refs; allowed for
    our own processes), so VmHWM gives the exact peak of what follows."""
    if pid is None:
        return False
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


class RssSampler:
    """The server's RSS at the start and end of the block and its peak in between: the
    kernel's peak mark (VmHWM, reset at the start) where allowed, else samples taken every
    `interval` s (which can miss a short peak while the client is busy)."""

    def __init__(self, pid: int | None, interval: float = 0.01) -> None:
        self.pid, self.interval = pid, interval
        self.start: float | None = None
        self.peak: float | None = None
        self.end: float | None = None
        self._task: asyncio.Task[None] | None = None
        self.exact = False

    async def __aenter__(self) -> RssSampler:
        self.exact = reset_peak_rss(self.pid)
        self.start = self.peak = rss_mb(self.pid)
        if self.start is not None:
            self._task = asyncio.create_task(self._sample())
        return self

    async def _sample(self) -> None:
        while True:
            value = rss_mb(self.pid)
            if value is not None and self.peak is not None:
                self.peak = max(self.peak, value)
            await asyncio.sleep(self.interval)

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.end = rss_mb(self.pid)
        marks = (self.peak, self.end, rss_mb(self.pid, "VmHWM") if self.exact else None)
        known = [mark for mark in marks if mark is not None]
        self.peak = max(known) if known else None

    @property
    def peak_growth(self) -> float | None:
        return None if self.start is None or self.peak is None else self.peak - self.start


async def server_5xx(url: str) -> int | None:
    """5xx answers the server has counted so far (``mt_http_requests_total``)."""
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            text = (await http.get(f"{url}/metrics")).text
    except httpx.HTTPError:
        return None
    return round(sum(float(value) for value in _METRIC_5XX.findall(text)))


def log_tracebacks(ctx: Context) -> int | None:
    """Tracebacks in the server's log so far (only when this run started the server)."""
    if ctx.log is None or not ctx.log.exists():
        return None
    return ctx.log.read_text(encoding="utf-8", errors="replace").count("Traceback")


def temp_entries(folder: Path) -> set[str]:
    try:
        return {entry.name for entry in folder.iterdir()}
    except OSError:
        return set()


# ------------------------------------------------------------------------------------- load


@dataclass
class LoadStats:
    """Outcomes of a load phase: latency per status, transport errors, client-side cost."""

    latencies: dict[int, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    schedule_lag: list[float] = field(default_factory=list)

    def add(self, status: int, latency: float) -> None:
        self.latencies.setdefault(status, []).append(latency)

    def count(self, predicate: Callable[[int], bool]) -> int:
        return sum(len(v) for k, v in self.latencies.items() if predicate(k))

    def of(self, predicate: Callable[[int], bool]) -> list[float]:
        return [x for k, v in self.latencies.items() if predicate(k) for x in v]

    @property
    def total(self) -> int:
        return self.count(lambda _: True) + sum(self.errors.values())

    @property
    def server_errors(self) -> int:
        return self.count(lambda s: s >= 500)

    def statuses(self) -> str:
        parts = [f"{k}: {len(v)}" for k, v in sorted(self.latencies.items())]
        parts += [f"{k}: {v}" for k, v in sorted(self.errors.items())]
        return ", ".join(parts)

    def client_overhead(self) -> str:
        """How busy the load generator itself was (it shares the CPUs with the server)."""
        share = self.client_cpu_s / self.wall_s if self.wall_s else 0.0
        per_request = self.client_cpu_s / self.total * 1000 if self.total else 0.0
        text = f"client CPU {share:.0%} of one core ({per_request:.2f} ms/request)"
        if self.schedule_lag:
            text += f", arrival lag p99 {ms(percentile(self.schedule_lag, 0.99))}"
        return text


async def _send(
    pool: ClientPool, url: str, body: dict[str, Any], since: float, stats: LoadStats
) -> None:
    try:
        response = await pool.post(url, body)
        stats.add(response.status_code, time.perf_counter() - since)
    except httpx.HTTPError as error:
        stats.errors[type(error).__name__] += 1


async def closed_loop(
    ctx: Context, clients: int, seconds: float, body: Callable[[], dict[str, Any]] | None = None
) -> LoadStats:
    """`clients` concurrent clients posting translations back to back for `seconds`."""
    stats = LoadStats()
    url = f"{ctx.url}/v1/translate"
    make = body or ctx.translate_body
    cpu, start = time.process_time(), time.perf_counter()
    deadline = start + seconds

    async def one_client(pool: ClientPool) -> None:
        while time.perf_counter() < deadline:
            await _send(pool, url, make(), time.perf_counter(), stats)

    async with ClientPool(clients) as pool:
        await asyncio.gather(*(one_client(pool) for _ in range(clients)))
    stats.wall_s, stats.client_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    return stats


async def open_loop(
    ctx: Context,
    rate: float,
    seconds: float,
    body: Callable[[int], dict[str, Any]] | None = None,
    connections: int = 512,
) -> LoadStats:
    """Requests arriving at a fixed `rate` per second for `seconds` (``rate * seconds`` in all).

    `body(i)` gives the i-th request's JSON body (default: the next captions).
    """
    stats = LoadStats()
    url = f"{ctx.url}/v1/translate"
    count = max(1, int(rate * seconds))
    cpu, start = time.process_time(), time.perf_counter()
    tasks: list[asyncio.Task[None]] = []
    async with ClientPool(connections) as pool:
        for i in range(count):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            stats.schedule_lag.append(max(0.0, time.perf_counter() - due))
            payload = body(i) if body is not None else ctx.translate_body()
            tasks.append(asyncio.create_task(_send(pool, url, payload, due, stats)))
        await asyncio.gather(*tasks)
    stats.wall_s, stats.client_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    return stats


def delta(before: int | None, after: int | None) -> int | None:
    return None if before is None or after is None else after - before
