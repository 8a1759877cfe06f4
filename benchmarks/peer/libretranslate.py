"""This service against LibreTranslate serving the same CTranslate2 model, side by side, one run.

Usage::

    python -m benchmarks.peer.libretranslate --bundle service/bundles/en-de \\
        --sentences ../shared/data/multi30k/test_2016_flickr.en.gz \\
        --venv work/libretranslate-venv [--quick] [--json work/peer/results.json]

``--venv`` holds LibreTranslate and spaCy (``pip install libretranslate spacy`` there; never
a dependency of this project). The run builds an Argos package from the bundle
(``benchmarks.peer.argos_package``), installs it with Argos's own installer into a throw-away
Argos home (how LibreTranslate is kept offline: ``benchmarks.peer.servers``) and starts three
servers on loopback, pinned with the load generator to the same CPUs (``--cpus``):

- ``ours``: ``python -m service`` at its thread defaults (``MT_INTER_THREADS`` replicas of
  ``MT_INTRA_THREADS=1`` thread) and default logging; sentence cache and queue-wait admission
  off (LibreTranslate has neither: repeats would be free, a 32-client burst partly refused);
- ``lt-default``: LibreTranslate at its defaults (``ARGOS_INTER_THREADS=1``,
  ``ARGOS_INTRA_THREADS=0``: CTranslate2 picks; 4 waitress threads);
- ``lt-same-layout``: the same with ``ARGOS_INTER_THREADS``/``ARGOS_INTRA_THREADS`` set to ours.

Both LibreTranslates get ``ARGOS_BEAM_SIZE`` = the bundle's beam (Argos's default, 4, for the
embedded bundle). Measured: sentences/s with 1, 8 and 32 concurrent keep-alive clients sending
``--batch``-sentence requests, in interleaved rounds whose server order rotates (best round in
the table, every round in the JSON); the servers' CPU per sentence over that load (utime +
stime, ``/proc/PID/stat``); idle latency of single-sentence requests alternating between the
servers (p50/p99); memory (``VmRSS``/``VmHWM``, ``/proc/PID/status``); the share of identical
translations, with the package's model decoded in this process as Argos calls it to tell why
they differ; and the CPU other processes used meanwhile (``/proc/stat``).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.peer import probes
from benchmarks.peer.probes import Load, Workload, share_identical
from benchmarks.peer.servers import (
    Peer,
    libretranslate,
    ours,
    prepare_argos_home,
    serve_libretranslate,
)
from benchmarks.service_bench import percentile, serve
from bundle import open_verified
from service.settings import ServiceSettings

logger = logging.getLogger("peer_benchmark")

PEERS = ("ours", "lt-default", "lt-same-layout")
OUR_OVERRIDES = {"MT_MAX_QUEUE_WAIT_MS": "0", "MT_ACCESS_LOG": "true", "MT_LOG_LEVEL": "info"}
"""On top of `serve`'s cache off: no queue-wait refusals, and our default logging (as
LibreTranslate logs at its default)."""


@dataclass(frozen=True)
class Mode:
    """How big the run is: --quick for a smoke run, full for the figures in the docs."""

    batch: int
    rounds: int
    min_requests: int
    idle: int
    identity: int


FULL = Mode(batch=50, rounds=3, min_requests=8, idle=200, identity=1000)
QUICK = Mode(batch=10, rounds=1, min_requests=2, idle=20, identity=50)


@dataclass(frozen=True)
class Memory:
    rss_mib: float
    peak_rss_mib: float
    threads: int

    @classmethod
    def of(cls, pid: int) -> Memory:
        status = probes.process_status
        return cls(status(pid, "VmRSS") / 1024, status(pid, "VmHWM") / 1024, status(pid, "Threads"))


@dataclass(frozen=True)
class MachineLoad:
    """What else ran on the machine while the servers were loaded."""

    seconds: float
    other_cores: float
    niced_cores: float
    load_average_before: float
    load_average_after: float


@dataclass
class Results:
    loads: dict[str, dict[int, list[Load]]]
    idle_ms: dict[str, list[float]]
    memory: dict[str, Memory]
    identical: dict[str, float]
    machine: MachineLoad

    def best(self, name: str, clients: int) -> float:
        return max(run.sentences_per_s for run in self.loads[name][clients])

    def cpu_ms_per_sentence(self, name: str) -> float:
        runs = [run for by_clients in self.loads[name].values() for run in by_clients]
        return 1000 * sum(r.cpu_seconds for r in runs) / sum(r.sentences for r in runs)

    def idle(self, name: str, q: float) -> float:
        return percentile(self.idle_ms[name], q)

    def idle_summary(self, name: str) -> dict[str, float]:
        values = self.idle_ms[name]
        return {
            "p50": self.idle(name, 0.5),
            "p99": self.idle(name, 0.99),
            "mean": statistics.fmean(values),
        }

    def to_json(self) -> dict[str, object]:
        return {
            "best_sentences_per_s": {
                name: {clients: self.best(name, clients) for clients in by}
                for name, by in self.loads.items()
            },
            "cpu_ms_per_sentence": {name: self.cpu_ms_per_sentence(name) for name in self.loads},
            "idle_ms": {name: self.idle_summary(name) for name in self.idle_ms},
            "memory": {name: asdict(m) for name, m in self.memory.items()},
            "identical": self.identical,
            "machine": asdict(self.machine),
            "loads": {
                name: {clients: [asdict(run) for run in runs] for clients, runs in by.items()}
                for name, by in self.loads.items()
            },
        }


def read_sentences(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [line.strip() for line in lines if line.strip()]


def rotated(peers: list[Peer], by: int) -> list[Peer]:
    by %= len(peers)
    return peers[by:] + peers[:by]


async def load_rounds(
    peers: list[Peer], workload: Workload, mode: Mode, levels: list[int]
) -> dict[str, dict[int, list[Load]]]:
    """Every peer at every client count, `mode.rounds` times, the order rotating each step so
    none always runs right after the same neighbour."""
    results: dict[str, dict[int, list[Load]]] = {p.name: {c: [] for c in levels} for p in peers}
    for peer in peers:  # warm-up: LibreTranslate loads its model on the first request
        await probes.load(peer, workload.requests(4), 2)
    step = 0
    for round_number in range(1, mode.rounds + 1):
        for clients in levels:
            requests = workload.requests(max(mode.min_requests, clients))
            for peer in rotated(peers, step):
                run = await probes.load(peer, requests, clients)
                results[peer.name][clients].append(run)
                logger.info(
                    "round %d, %2d clients, %-14s %6.1f sentences/s",
                    round_number, clients, peer.name, run.sentences_per_s,
                )  # fmt: skip
            step += 1
    return results


async def identity(peers: list[Peer], sentences: list[str], mode: Mode) -> dict[str, list[str]]:
    return {p.name: await probes.translations(p, sentences, mode.batch) for p in peers}


def identity_shares(
    outputs: dict[str, list[str]], package: Path, sentences: list[str], beam: int
) -> dict[str, float]:
    """Identical shares between the servers, and against the model decoded in this process the
    Argos way with Argos's length penalty (0.2) and with CTranslate2's default (1.0)."""
    argos = probes.decode_like_argos(package, sentences, beam, length_penalty=0.2)
    plain = probes.decode_like_argos(package, sentences, beam, length_penalty=1.0)
    return {
        "ours = lt-default": share_identical(outputs["ours"], outputs["lt-default"]),
        "ours = lt-same-layout": share_identical(outputs["ours"], outputs["lt-same-layout"]),
        "lt-default = lt-same-layout": share_identical(
            outputs["lt-default"], outputs["lt-same-layout"]
        ),
        "lt-same-layout = in-process, length penalty 0.2": share_identical(
            outputs["lt-same-layout"], argos
        ),
        "ours = in-process, length penalty 1.0": share_identical(outputs["ours"], plain),
    }


async def measure(
    peers: list[Peer], pool: list[str], mode: Mode, levels: list[int]
) -> tuple[Results, dict[str, list[str]]]:
    load_before = os.getloadavg()[0]
    machine_before, start = probes.machine_cpu_seconds(), time.perf_counter()
    servers_before = sum(probes.process_cpu_seconds(p.pid) for p in peers)
    own_before = time.process_time()
    loads = await load_rounds(peers, Workload(pool, mode.batch), mode, levels)
    seconds = time.perf_counter() - start
    machine_after = probes.machine_cpu_seconds()
    busy, niced = machine_after[0] - machine_before[0], machine_after[1] - machine_before[1]
    servers = sum(probes.process_cpu_seconds(p.pid) for p in peers) - servers_before
    own = time.process_time() - own_before
    machine = MachineLoad(
        seconds, (busy - servers - own) / seconds, niced / seconds, load_before, os.getloadavg()[0]
    )
    memory = {p.name: Memory.of(p.pid) for p in peers}
    latencies = await probes.idle_latencies(peers, pool[: mode.idle])
    idle_ms = {name: [s * 1000 for s in values] for name, values in latencies.items()}
    outputs = await identity(peers, pool[: mode.identity], mode)
    return Results(loads, idle_ms, memory, {}, machine), outputs


def ratio_row(label: str, values: dict[str, float], higher_is_better: bool, unit: str) -> str:
    mine = values["ours"]
    cells = [f"{values[name]:.1f}{unit}" for name in PEERS]
    ratios = [mine / values[n] if higher_is_better else values[n] / mine for n in PEERS[1:]]
    return f"| {label} | {' | '.join(cells)} | {' | '.join(f'{r:.2f}x' for r in ratios)} |"


def report(results: Results, layouts: dict[str, str], levels: list[int], mode: Mode) -> str:
    rows = [
        "| what | ours | LibreTranslate defaults | LibreTranslate same layout "
        "| ours vs defaults | ours vs same layout |",
        "|---|---|---|---|---|---|",
    ]
    for clients in levels:
        label = f"sentences/s, {clients} clients x {mode.batch}-sentence requests"
        rows.append(ratio_row(label, {n: results.best(n, clients) for n in PEERS}, True, ""))
    cpu = {name: results.cpu_ms_per_sentence(name) for name in PEERS}
    rows.append(ratio_row("server CPU per sentence", cpu, False, " ms"))
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        idle = {n: results.idle(n, q) for n in PEERS}
        rows.append(ratio_row(f"idle single sentence {name}", idle, False, " ms"))
    memory = results.memory
    rows.append(
        ratio_row("RSS after the load", {n: memory[n].rss_mib for n in PEERS}, False, " MiB")
    )
    rows.append(ratio_row("peak RSS", {n: memory[n].peak_rss_mib for n in PEERS}, False, " MiB"))
    machine = results.machine
    same = ", ".join(f"{pair}: {share:.1%}" for pair, share in results.identical.items())
    threads = ", ".join(f"{name} {memory[name].threads}" for name in PEERS)
    notes = [
        "",
        "Ratios: how many times better ours is (throughput: ours / theirs; time, CPU and "
        "memory: theirs / ours).",
        f"Identical translations of the first {mode.identity} sentences: {same}.",
        f"Thread layouts: ours {layouts['ours']}; LibreTranslate defaults "
        f"{layouts['lt-default']}; same layout {layouts['lt-same-layout']}. "
        f"Threads per server process: {threads}.",
        f"CPUs {sorted(os.sched_getaffinity(0))} for the three servers and the clients; best of "
        f"{mode.rounds} interleaved rounds; load phase {machine.seconds:.0f} s, during which "
        f"other processes used {machine.other_cores:.2f} cores ({machine.niced_cores:.2f} "
        f"niced); load average {machine.load_average_before:.1f} before / "
        f"{machine.load_average_after:.1f} after.",
    ]
    return "\n".join(rows + notes) + "\n"


def thread_layouts(replicas: int, beam: int) -> dict[str, dict[str, str]]:
    beam_only = {"ARGOS_BEAM_SIZE": str(beam)}
    return {
        "lt-default": beam_only,
        "lt-same-layout": {
            **beam_only,
            "ARGOS_INTER_THREADS": str(replicas),
            "ARGOS_INTRA_THREADS": "1",
        },
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True, help="a bundle folder")
    parser.add_argument("--sentences", type=Path, required=True, help="one per line (.gz ok)")
    parser.add_argument("--venv", type=Path, required=True, help="LibreTranslate's venv")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small, one round")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (full: 3, quick: 1)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--cpus", help="e.g. 0,1 (default: the CPUs this process may use)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = parse_args(argv)
    if args.cpus:
        os.sched_setaffinity(0, {int(cpu) for cpu in args.cpus.split(",")})
    mode = QUICK if args.quick else FULL
    if args.rounds:
        mode = Mode(**{**asdict(mode), "rounds": args.rounds})
    manifest = open_verified(args.bundle)
    beam = manifest.model.beam_size
    replicas = ServiceSettings().resolved_inter_threads()
    pool = read_sentences(args.sentences)
    with tempfile.TemporaryDirectory(prefix="peer-bench-") as scratch, ExitStack() as stack:
        home = Path(scratch)
        package = prepare_argos_home(args.bundle, args.venv, home)
        own = stack.enter_context(serve(args.bundle, replicas, **OUR_OVERRIDES))
        peers = [ours(own, manifest)]
        for name, env in thread_layouts(replicas, beam).items():
            server = stack.enter_context(serve_libretranslate(args.venv, home, manifest, name, env))
            peers.append(libretranslate(name, server, manifest))
        results, outputs = asyncio.run(measure(peers, pool, mode, args.clients))
        stack.close()  # the servers' CPUs are free again for the in-process decoding
        results.identical = identity_shares(outputs, package.folder, pool[: mode.identity], beam)
    layouts = {
        "ours": f"MT_INTER_THREADS={replicas} x MT_INTRA_THREADS=1",
        "lt-default": "ARGOS_INTER_THREADS=1 x ARGOS_INTRA_THREADS=0 (CTranslate2's default)",
        "lt-same-layout": f"ARGOS_INTER_THREADS={replicas} x ARGOS_INTRA_THREADS=1",
    }
    sys.stdout.write(report(results, layouts, args.clients, mode))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"bundle": manifest.name, "mode": asdict(mode), "layouts": layouts}
        text = json.dumps({**payload, **results.to_json()}, indent=2)
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
