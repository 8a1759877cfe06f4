"""What the peer benchmark measures: load, idle latency, translations, and readings of /proc."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

import ctranslate2
import sentencepiece as spm

from benchmarks.peer.servers import Peer
from benchmarks.service_bench import Connection

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_status(pid: int, key: str) -> int:
    """One numeric line of /proc/PID/status (kB for the Vm* lines)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0])
    raise KeyError(key)


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, niced) CPU seconds of the whole machine since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS, nice / CLOCK_TICKS


@dataclass(frozen=True)
class Load:
    sentences: int
    seconds: float
    cpu_seconds: float

    @property
    def sentences_per_s(self) -> float:
        return self.sentences / self.seconds


class Workload:
    """Requests of `batch` sentences, taken in turn from the pool so rounds differ."""

    def __init__(self, pool: list[str], batch: int) -> None:
        self.pool, self.batch, self.cursor = pool, batch, 0

    def requests(self, count: int) -> list[list[str]]:
        out = []
        for _ in range(count):
            out.append([self.pool[(self.cursor + i) % len(self.pool)] for i in range(self.batch)])
            self.cursor = (self.cursor + self.batch) % len(self.pool)
        return out


async def load(peer: Peer, requests: list[list[str]], clients: int) -> Load:
    """`clients` keep-alive connections draining one shared list of requests; the server's
    CPU over exactly that span."""
    pending = iter(requests)

    async def client(connection: Connection) -> None:
        for texts in pending:
            await peer.translate(connection, texts)

    connections = [await Connection.open(peer.server) for _ in range(clients)]
    cpu_before, start = process_cpu_seconds(peer.pid), time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    elapsed = time.perf_counter() - start
    cpu = process_cpu_seconds(peer.pid) - cpu_before
    for connection in connections:
        await connection.close()
    return Load(sum(len(texts) for texts in requests), elapsed, cpu)


async def idle_latencies(peers: list[Peer], sentences: list[str]) -> dict[str, list[float]]:
    """Single-sentence requests, one at a time, alternating between the servers."""
    connections = {p.name: await Connection.open(p.server) for p in peers}
    latencies: dict[str, list[float]] = {p.name: [] for p in peers}
    for sentence in sentences:
        for peer in peers:
            start = time.perf_counter()
            await peer.translate(connections[peer.name], [sentence])
            latencies[peer.name].append(time.perf_counter() - start)
    for connection in connections.values():
        await connection.close()
    return latencies


async def translations(peer: Peer, sentences: list[str], batch: int) -> list[str]:
    connection = await Connection.open(peer.server)
    out = []
    for offset in range(0, len(sentences), batch):
        out += await peer.translate(connection, sentences[offset : offset + batch])
    await connection.close()
    return out


def share_identical(a: list[str], b: list[str]) -> float:
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def decode_like_argos(
    package: Path, sentences: list[str], beam_size: int, length_penalty: float
) -> list[str]:
    """The Argos package's model in this process, as Argos calls it (one text per call, its
    options and detokenizer), but with `length_penalty`: Argos hard-codes 0.2, CTranslate2's
    default (this service's) is 1. Shows whether both servers feed the model the same tokens."""
    tokenizer = spm.SentencePieceProcessor(model_file=str(package / "sentencepiece.model"))
    model = ctranslate2.Translator(str(package / "model"), inter_threads=1, intra_threads=1)
    out = []
    for sentence in sentences:
        result = model.translate_batch(
            [tokenizer.encode(sentence, out_type=str)],
            replace_unknowns=True,
            max_batch_size=32,
            batch_type="tokens",
            beam_size=beam_size,
            length_penalty=length_penalty,
        )[0]
        text = tokenizer.decode_pieces(result.hypotheses[0])
        out.append(text.replace("\u2581", " ").replace("_", " ").removeprefix(" "))
    return out
