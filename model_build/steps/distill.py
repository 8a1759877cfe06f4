"""distill: the teacher translates the training source (sequence-level knowledge distillation).

Usage: `model-build distill CONFIG [--shard i/n]`. Writes::

    <work>/.distill.partial/chunks/chunk-00007.json   # one finished chunk, written atomically
    <work>/distill/
      raw.tgt              # exactly one teacher translation per line of prepare/train.src
      train.src train.tgt  # the pairs that survived cleaning (the student's training data)
      done.json            # counts of what cleaning dropped, teacher usage (tokens, requests)

Sentences are sorted by length and cut into batches under a token budget; consecutive batches
form chunks of about `chunk_sentences`. Chunks depend only on the data and the config, so shard
`i/n` translates chunks `k` with `k % n == i`, a killed run resumes at the first missing chunk,
and merged shards equal an unsharded run. Whoever finds every chunk present merges them.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from model_build.config import BuildConfig, DistillConfig
from model_build.teachers.base import Teacher
from model_build.workdir import (
    Artifact,
    Incomplete,
    StepError,
    WorkDir,
    atomic_write_text,
    fingerprint,
    read_lines,
    write_lines,
)

log = logging.getLogger(__name__)

Shard = tuple[int, int]


def parse_shard(text: str) -> Shard:
    """`"3/16"` → (3, 16), shards numbered from 0."""
    index, _, count = text.partition("/")
    shard = (int(index), int(count))
    if not 0 <= shard[0] < shard[1]:
        raise ValueError(f"shard {text!r}: expected i/n with 0 <= i < n")
    return shard


def plan_chunks(sources: list[str], config: DistillConfig) -> list[list[list[int]]]:
    """Chunks of batches of line numbers: length-sorted, each batch under the token budget."""
    order = sorted(range(len(sources)), key=lambda i: (len(sources[i].split()), i))
    batches: list[list[int]] = []
    batch: list[int] = []
    for index in order:
        longest = max(len(sources[index].split()), 1)  # sorted, so this one is the longest
        if batch and longest * (len(batch) + 1) > config.batch_tokens:
            batches.append(batch)
            batch = []
        batch.append(index)
    if batch:
        batches.append(batch)
    chunks: list[list[list[int]]] = [[]]
    for batch in batches:
        if chunks[-1] and sum(map(len, chunks[-1])) + len(batch) > config.chunk_sentences:
            chunks.append([])
        chunks[-1].append(batch)
    return chunks if chunks[0] else []


def repeats_too_often(text: str, limit: int) -> bool:
    """True when some 1–4-word n-gram repeats back to back `limit` times (a decoding loop)."""
    words = text.split()
    for n in range(1, 5):
        for start in range(len(words) - n * limit + 1):
            gram = words[start : start + n]
            if all(words[start + k * n : start + (k + 1) * n] == gram for k in range(1, limit)):
                return True
    return False


def cleaning_verdict(source: str, output: str, config: DistillConfig) -> str | None:
    """Why a teacher output is dropped, or None to keep it."""
    if not output.strip():
        return "empty"
    if repeats_too_often(output, config.max_repeats):
        return "repetition"
    ratio = (len(output) + 1) / (len(source) + 1)
    if max(len(output), len(source)) > 20 and not 1 / config.max_ratio <= ratio <= config.max_ratio:
        return "length_ratio"
    return None


CLEANING_RULES = ("empty", "repetition", "length_ratio")


def nothing_kept(returned: int, dropped: Counter[str], raw: Path) -> str:
    """The one line a build stops with when cleaning drops every teacher output.

    Without it the vocab step fails on an empty corpus with a SentencePiece traceback.
    """
    counts = ", ".join(f"{rule} {dropped[rule]}" for rule in CLEANING_RULES)
    return (
        f"distill: the teacher returned {returned} sentences and cleaning dropped all of them "
        f"({counts}); check the teacher's output in {raw} (its language codes, "
        "teacher.target_code, and distill.max_ratio/max_repeats)"
    )


def step_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    teacher = config.teacher.model_dump(exclude={"concurrency", "max_retries", "timeout_s"})
    return fingerprint("distill", config.distill, teacher, work.upstream("prepare"))


def run(
    config: BuildConfig,
    work: WorkDir,
    force: bool = False,
    shard: Shard | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> Artifact:
    """Translate this shard's missing chunks; merge when every chunk is there.

    `on_chunk(k)` is called after chunk `k` is safely on disk (progress hooks, tests).
    """
    prepared, _ = work.require("prepare")
    return work.run_step(
        "distill",
        step_fingerprint(config, work),
        lambda out: _build(config, prepared, out, shard, on_chunk),
        force,
        keep_partial=True,
    )


def _build(
    config: BuildConfig,
    prepared: Path,
    out: Path,
    shard: Shard | None,
    on_chunk: Callable[[int], None] | None,
) -> dict[str, Any]:
    sources = read_lines(prepared / "train.src")
    chunks = plan_chunks(sources, config.distill)
    folder = out / "chunks"
    folder.mkdir(exist_ok=True)
    paths = [folder / f"chunk-{k:05d}.json" for k in range(len(chunks))]
    mine = [k for k in range(len(chunks)) if shard is None or k % shard[1] == shard[0]]
    todo = [k for k in mine if not paths[k].exists()]
    log.info("distill: %d chunks, %d for this run, %d already done", len(chunks), len(mine),
             len(mine) - len(todo))  # fmt: skip
    if todo:
        _translate_chunks(config, sources, chunks, paths, todo, on_chunk)
    missing = [k for k, path in enumerate(paths) if not path.exists()]
    if missing:
        raise Incomplete(f"distill: {len(chunks) - len(missing)}/{len(chunks)} chunks done")
    return _merge(config.distill, sources, paths, out, reused=len(mine) - len(todo))


def _translate_chunks(
    config: BuildConfig,
    sources: list[str],
    chunks: list[list[list[int]]],
    paths: list[Path],
    todo: list[int],
    on_chunk: Callable[[int], None] | None,
) -> None:
    from model_build.teachers import load_teacher

    teacher = load_teacher(config)
    if config.distill.engine == "ctranslate2":
        teacher = _converted(teacher, paths[0].parent.parent / "teacher-ct2", config)
    total = sum(len(batch) for k in todo for batch in chunks[k])
    try:
        with tqdm(total=total, desc="distill", unit="sent") as bar:
            for k in todo:
                started, tokens, usage = (
                    time.monotonic(),
                    teacher.output_tokens,
                    dict(teacher.usage),
                )
                ids: list[int] = []
                outputs: list[str] = []
                for batch in chunks[k]:
                    outputs += teacher.translate([sources[i] for i in batch])
                    ids += batch
                    bar.update(len(batch))
                record = {
                    "ids": ids,
                    "translations": outputs,
                    "output_tokens": teacher.output_tokens - tokens,
                    "usage": {key: v - usage.get(key, 0) for key, v in teacher.usage.items()},
                    "seconds": round(time.monotonic() - started, 3),
                }
                atomic_write_text(paths[k], json.dumps(record, ensure_ascii=False))
                if on_chunk is not None:
                    on_chunk(k)
    finally:
        teacher.close()
        shutil.rmtree(paths[0].parent.parent / "teacher-ct2", ignore_errors=True)


def _converted(teacher: Teacher, folder: Path, config: BuildConfig) -> Teacher:
    """The same teacher converted to CTranslate2: its beam search, several times faster."""
    from model_build.teachers.huggingface import HFSeq2SeqTeacher

    if not isinstance(teacher, HFSeq2SeqTeacher):
        return teacher
    try:
        return teacher.to_ctranslate2(folder, config.distill.compute_type)
    finally:
        teacher.close()


def _merge(
    config: DistillConfig, sources: list[str], paths: list[Path], out: Path, reused: int
) -> dict[str, Any]:
    translations: list[str | None] = [None] * len(sources)
    usage: Counter[str] = Counter()
    output_tokens, seconds = 0, 0.0
    for path in paths:
        record = json.loads(path.read_text(encoding="utf-8"))
        for index, text in zip(record["ids"], record["translations"], strict=True):
            if translations[index] is not None:
                raise ValueError(f"line {index} translated twice (in {path.name})")
            translations[index] = text
        usage.update(record["usage"])
        output_tokens += record["output_tokens"]
        seconds += record["seconds"]
    if any(text is None for text in translations):
        raise ValueError("distill: some lines have no translation")
    raw = [" ".join(str(text).split()) for text in translations]
    write_lines(out / "raw.tgt", raw)
    dropped: Counter[str] = Counter()
    kept: list[tuple[str, str]] = []
    for source, output in zip(sources, raw, strict=True):
        verdict = cleaning_verdict(source, output, config)
        if verdict:
            dropped[verdict] += 1
        else:
            kept.append((source, output))
    if not kept:
        raise StepError(nothing_kept(len(raw), dropped, out / "raw.tgt"))
    write_lines(out / "train.src", [s for s, _ in kept])
    write_lines(out / "train.tgt", [t for _, t in kept])
    log.info("distill: kept %d of %d, dropped %s", len(kept), len(raw), dict(dropped))
    return {
        "sentences": len(raw),
        "kept": len(kept),
        "dropped": dict(dropped),
        "chunks": len(paths),
        "chunks_reused": reused,
        "output_tokens": output_tokens,
        "teacher_seconds": round(seconds, 2),
        "usage": dict(usage),
    }
