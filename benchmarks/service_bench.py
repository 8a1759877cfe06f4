"""Service benchmark: one run, every ratio of issue 3's performance table.

Usage::

    python -m benchmarks.service_bench --bundle service/bundles/en-de --sentences sents.txt

It measures, with the same CTranslate2 settings everywhere (``--replicas`` single-threaded
replicas, the service's default; the bundle's beam):

1. raw: ``translate_batch`` in this process on the sentences, in rounds of ``--clients``
   sentences split evenly over the replicas, translated in parallel (the same
   ``BundleTranslator`` code and settings the service uses);
2. HTTP, batching on: a real ``python -m service`` on loopback, ``--clients`` concurrent
   clients each sending one sentence per request (keep-alive, a minimal HTTP/1.1 client so
   the load generator costs little CPU);
3. HTTP, batching off (``MT_BATCHING=false``): the same load; and, for scale, raw
   ``translate_batch`` one sentence per call on every replica (the most batching can gain);
4. single sentences at idle on the batching service: p50 / p99 end to end;
5. the service's resident memory after the load.

The sentence cache is off (``MT_CACHE_SIZE=0``) so repeated sentences cost what new ones do.
Throughputs are measured in ``--rounds`` interleaved rounds (raw, on, off, raw, ...) and the
best of each is kept, so a busy neighbour on a shared machine disturbs the ratios less.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from bundle import open_verified
from service.engine.translator import BundleTranslator
from service.settings import ServiceSettings

logger = logging.getLogger("service_bench")
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    host: str
    port: int


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(bundle: Path, replicas: int, **env: str) -> Iterator[Server]:
    """A real service on loopback serving `bundle` (linked into a temporary models folder)."""
    with tempfile.TemporaryDirectory() as models:
        os.symlink(bundle.resolve(), Path(models) / bundle.name)
        port = free_port()
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MT_")},
            "MT_MODELS_DIR": models,
            "MT_INTER_THREADS": str(replicas),
            "MT_INTRA_THREADS": "1",
            "MT_CACHE_SIZE": "0",
            "MT_ACCESS_LOG": "false",
            "MT_LOG_LEVEL": "warning",
            "MT_QUEUE_SIZE": "1024",
            **env,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "--port", str(port)],
            env=environment,
            cwd=REPO,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the service did not become ready")
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            yield Server(process, "127.0.0.1", port)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


class Connection:
    """One keep-alive HTTP/1.1 connection posting JSON; just enough for this benchmark."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, server: Server) -> Connection:
        return cls(*await asyncio.open_connection(server.host, server.port))

    async def post(self, path: str, payload: object) -> tuple[int, bytes]:
        body = json.dumps(payload).encode()
        self.writer.write(
            b"POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (path.encode(), len(body), body)
        )
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def request(sentence: str, source: str, target: str) -> dict[str, str]:
    return {"text": sentence, "source": source, "target": target}


async def load(
    server: Server, sentences: list[str], clients: int, direction: tuple[str, str]
) -> float:
    """Sentences per second with `clients` concurrent single-sentence clients."""
    work = iter(sentences)

    async def client(connection: Connection) -> None:
        for sentence in work:
            status, body = await connection.post("/v1/translate", request(sentence, *direction))
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body[:200]!r}")

    connections = [await Connection.open(server) for _ in range(clients)]
    start = time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    elapsed = time.perf_counter() - start
    for connection in connections:
        await connection.close()
    return len(sentences) / elapsed


async def idle_latencies(
    server: Server, sentences: list[str], direction: tuple[str, str]
) -> list[float]:
    connection = await Connection.open(server)
    latencies = []
    for sentence in sentences:
        start = time.perf_counter()
        status, _ = await connection.post("/v1/translate", request(sentence, *direction))
        latencies.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"HTTP {status}")
    await connection.close()
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def raw_throughput(
    translator: BundleTranslator, sentences: list[str], batch: int, replicas: int
) -> float:
    """Sentences/s of `batch` sentences at a time, split over the replicas like the workers."""
    tokens = [translator.tokenize(s) for s in sentences]
    share = -(-batch // replicas)
    with ThreadPoolExecutor(replicas) as pool:

        def translate(chunk: list[list[str]]) -> None:
            list(pool.map(translator.translate_tokens, [
                chunk[i : i + share] for i in range(0, len(chunk), share)
            ]))  # fmt: skip

        translate(tokens[:batch])  # warm-up
        start = time.perf_counter()
        for offset in range(0, len(tokens), batch):
            translate(tokens[offset : offset + batch])
        return len(sentences) / (time.perf_counter() - start)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True, help="a bundle folder")
    parser.add_argument("--sentences", type=Path, required=True, help="one sentence per line")
    parser.add_argument("--count", type=int, default=512, help="sentences per throughput run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds, best kept")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--idle", type=int, default=200, help="requests for idle latency")
    parser.add_argument(
        "--replicas", type=int, default=0, help="CTranslate2 replicas (0: one per CPU)"
    )
    parser.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="MT_NAME=VALUE",
        help="a service setting for both servers, e.g. MT_BATCH_MAX_TOKENS=2048 (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = parse_args(argv)
    lines = [s.strip() for s in args.sentences.read_text(encoding="utf-8").splitlines()]
    pool = [s for s in lines if s]
    sentences = [pool[i % len(pool)] for i in range(args.count)]
    manifest = open_verified(args.bundle)
    direction = (manifest.source_lang, manifest.target_lang)
    settings = ServiceSettings(inter_threads=args.replicas)
    replicas = settings.resolved_inter_threads()
    extra = dict(item.split("=", 1) for item in args.service_env)

    translator = BundleTranslator(args.bundle, manifest, settings)
    warm = sentences[: args.clients * 4]
    raw, raw_single_calls, batched, unbatched = [], [], [], []
    load_before = os.getloadavg()[0]
    with (
        serve(args.bundle, replicas, **extra) as on,
        serve(args.bundle, replicas, **{**extra, "MT_BATCHING": "false"}) as off,
    ):
        for server in (on, off):
            asyncio.run(load(server, warm, args.clients, direction))
        # Interleaved rounds, best of each: on a shared machine the load of other processes
        # changes over a run; the best round is the one least disturbed.
        for round_number in range(1, args.rounds + 1):
            logger.info("round %d/%d: raw, batching on, batching off", round_number, args.rounds)
            raw.append(raw_throughput(translator, sentences, args.clients, replicas))
            raw_single_calls.append(raw_throughput(translator, sentences, replicas, replicas))
            batched.append(asyncio.run(load(on, sentences, args.clients, direction)))
            unbatched.append(asyncio.run(load(off, sentences, args.clients, direction)))
        rss_mb = psutil.Process(on.process.pid).memory_info().rss / 2**20
        time.sleep(0.5)
        latencies = asyncio.run(idle_latencies(on, sentences[: args.idle], direction))
    raw_best, batched_best, unbatched_best = max(raw), max(batched), max(unbatched)
    raw_single = []
    for sentence in sentences[: args.idle]:
        start = time.perf_counter()
        translator.translate([sentence])
        raw_single.append(time.perf_counter() - start)
    raw_p50 = percentile(raw_single, 0.5) * 1000

    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    results = {
        "bundle": manifest.name,
        "replicas": replicas,
        "clients": args.clients,
        "sentences": len(sentences),
        "rounds": args.rounds,
        "raw_sentences_per_s": raw,
        "raw_one_sentence_per_call_sentences_per_s": raw_single_calls,
        "http_batched_sentences_per_s": batched,
        "http_unbatched_sentences_per_s": unbatched,
        "http_vs_raw": batched_best / raw_best,
        "batched_vs_unbatched": batched_best / unbatched_best,
        "idle_p50_ms": p50,
        "idle_p99_ms": p99,
        "idle_mean_ms": statistics.fmean(latencies) * 1000,
        "raw_single_p50_ms": raw_p50,
        "rss_mb": rss_mb,
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }
    rows = [
        (
            "HTTP throughput vs raw translate_batch",
            f"{batched_best / raw_best:.0%}",
            ">= 85%",
            f"{batched_best:.0f} vs {raw_best:.0f} sentences/s",
        ),
        (
            "batching on vs off",
            f"{batched_best / unbatched_best:.1f}x",
            ">= 3x",
            f"{batched_best:.0f} vs {unbatched_best:.0f} sentences/s; raw translate_batch "
            f"batched vs one sentence per call: {raw_best / max(raw_single_calls):.1f}x",
        ),
        (
            "single sentence at idle p50 / p99",
            f"{p50:.1f} / {p99:.1f} ms",
            "<= 20 / 60 ms",
            f"{len(latencies)} sequential requests; raw translate_batch p50 {raw_p50:.1f} ms",
        ),
        ("resident memory after the load", f"{rss_mb:.0f} MB", "<= 300 MB", manifest.name),
    ]
    table = ["| what | measured | target | detail |", "|---|---|---|---|"]
    table += [f"| {what} | {value} | {target} | {detail} |" for what, value, target, detail in rows]
    table.append(
        f"\n{replicas} single-threaded CTranslate2 replicas, {args.clients} clients, "
        f"{len(sentences)} sentences per run, best of {args.rounds} interleaved rounds; "
        f"{os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before / {os.getloadavg()[0]:.1f} after."
    )
    sys.stdout.write("\n".join(table) + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
