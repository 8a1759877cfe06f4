"""Bundles side by side on the same sentences: time and output tokens/s, interleaved rounds.

Usage::

    python -m benchmarks.bundle_speed --bundle work/teacher-en-de --bundle service/bundles/en-de \\
        --bundle work/multi30k-en-de-dec1-3500/bundles/en-de \\
        --sources work/multi30k-en-de/prepare/test/test_2016_flickr.src \\
        [--rounds 3] [--threads 2] [--teacher-of model_build/configs/multi30k-en-de.yaml]

Each bundle is loaded as the evaluate step loads a CTranslate2 system (`load_bundle`: one
single-threaded replica per thread, sub-batches of 16, beam 4) and translates every sentence in
calls of its batch size; the rounds alternate the bundles so that all of them see the same load.
The first bundle is the reference of the speed-up column (a teacher bundle from
``benchmarks.cascade``, or any bundle). The evaluate step measures one pass of 200 sentences;
this measures all of them, several times, for a steadier ratio.

``--teacher-of CONFIG`` adds the build's teacher as users run it (for a Hugging Face teacher,
transformers on the CPU: the evaluate step's "teacher (transformers fp32)" row), timed in the
same rounds: the slowest system by far, so the ratio against it is the one a single pass of
200 sentences measures least steadily.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path
from typing import Any

from model_build.config import load_config
from model_build.steps.evaluate import load_bundle
from model_build.teachers import load_teacher
from model_build.teachers.base import Teacher
from model_build.workdir import read_lines

log = logging.getLogger("benchmarks.bundle_speed")


def one_pass(system: Teacher, sources: list[str]) -> tuple[float, int]:
    """Seconds and output tokens for every sentence, in calls of the system's batch size."""
    before = system.output_tokens
    started = time.perf_counter()
    for start in range(0, len(sources), system.batch_sentences):
        system.translate(sources[start : start + system.batch_sentences])
    return time.perf_counter() - started, system.output_tokens - before


def load_systems(
    bundles: list[Path], threads: int, teacher_of: Path | None = None
) -> dict[str, Teacher]:
    """Each bundle as the evaluate step loads it, then the build's teacher if asked, by name."""
    systems = {str(folder): load_bundle(folder, 4, threads) for folder in bundles}
    if teacher_of is not None:
        teacher = load_teacher(load_config(teacher_of), beam_size=4, threads=threads)
        systems[f"teacher of {teacher_of} ({teacher.config.family})"] = teacher
    return systems


def compare(systems: dict[str, Teacher], sources: list[str], rounds: int) -> list[dict[str, Any]]:
    """Median seconds of `rounds` interleaved passes per system; speed-up against the first."""
    for system in systems.values():
        system.translate(sources[:8])  # warm-up
    seconds: list[list[float]] = [[] for _ in systems]
    tokens = [0] * len(systems)
    for round_ in range(rounds):
        for index, system in enumerate(systems.values()):
            took, tokens[index] = one_pass(system, sources)
            seconds[index].append(took)
        log.info("round %d of %d done", round_ + 1, rounds)
    reference = statistics.median(seconds[0])
    rows = []
    for name, times, produced in zip(systems, seconds, tokens, strict=True):
        median = statistics.median(times)
        rows.append({
            "system": name,
            "seconds": round(median, 3),
            "output_tokens": produced,
            "tokens_per_second": round(produced / median, 1),
            "speed_up": round(reference / median, 2),
            "rounds": [round(t, 3) for t in times],
        })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, action="append", required=True)
    parser.add_argument("--sources", type=Path, required=True, help="one sentence a line")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--teacher-of", type=Path, help="a build config: also time its teacher")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    systems = load_systems(args.bundle, args.threads, args.teacher_of)
    rows = compare(systems, read_lines(args.sources), args.rounds)
    log.info("| system | seconds (median) | output tokens/s | speed-up (time) | rounds |")
    log.info("|---|---|---|---|---|")
    for row in rows:
        log.info("| %s | %.3f | %.1f | %.2fx | %s |", row["system"], row["seconds"],
                 row["tokens_per_second"], row["speed_up"], row["rounds"])  # fmt: skip


if __name__ == "__main__":
    main()
