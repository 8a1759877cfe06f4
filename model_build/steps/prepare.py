"""prepare: read, normalise, deduplicate and filter the source text; hold out dev and test.

Usage: `model-build prepare CONFIG`. Writes::

    <work>/prepare/
      train.src            # source sentences the teacher will translate
      train.ref            # their references, "" for monolingual lines (for the baseline)
      dev.src  dev.ref     # given, or held out of the sources that have references
      test/<name>.src  test/<name>.ref
      done.json            # fingerprint (config section + sha256 of the input files), counts

``prepare.captures`` adds the service's flywheel capture (JSON lines, see
service/routing/capture.py) as monolingual source text: the records of this direction, each
sentence once, after every other source; never held out as dev or test.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from model_build.config import BuildConfig, PrepareConfig, TextFiles, expand
from model_build.workdir import Artifact, WorkDir, file_digest, fingerprint, write_lines

log = logging.getLogger(__name__)

Pair = tuple[str, str]  # (source, reference or "")


def normalise(text: str) -> str:
    """NFC, one space between words, no control characters."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())


def _open_lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as stream:
        for line in stream:
            yield line.rstrip("\n")


def read_pairs(files: TextFiles) -> Iterator[Pair]:
    """(source, reference) pairs of one corpus; reference is "" for monolingual text."""
    if files.tsv is not None:
        for path in expand(files.tsv):
            for line in _open_lines(path):
                source, _, target = line.partition("\t")
                yield source, target
        return
    sources = expand(files.source or "")
    targets = expand(files.target) if files.target else []
    if targets and len(targets) != len(sources):
        raise ValueError(f"{files.source} and {files.target} match different numbers of files")
    for index, path in enumerate(sources):
        if not targets:
            yield from ((line, "") for line in _open_lines(path))
            continue
        src_lines, tgt_lines = list(_open_lines(path)), list(_open_lines(targets[index]))
        if len(src_lines) != len(tgt_lines):
            raise ValueError(f"{path} and {targets[index]} differ in length")
        yield from zip(src_lines, tgt_lines, strict=True)


def capture_files(patterns: list[str]) -> list[Path]:
    """The capture files of the configured folders (or globs of folders), oldest first."""
    folders = [folder for pattern in patterns for folder in expand(pattern)]
    return sorted(path for folder in folders for path in folder.glob("capture-*.jsonl"))


def read_captures(patterns: list[str], direction: str) -> Iterator[Pair]:
    """(source, "") for each captured sentence of `direction`; unreadable lines are skipped
    (a file cut by a full disk must not stop a build)."""
    for path in capture_files(patterns):
        for line in _open_lines(path):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("direction") == direction:
                yield str(record.get("source", "")), ""


def keep(pair: Pair, config: PrepareConfig, dropped: Counter[str]) -> bool:
    source_words, target_words = len(pair[0].split()), len(pair[1].split())
    if not source_words:
        dropped["empty"] += 1
    elif not config.min_words <= source_words <= config.max_words or (
        pair[1] and not config.min_words <= target_words <= config.max_words
    ):
        dropped["length"] += 1
    elif pair[1] and max(source_words, target_words) > config.max_ratio * min(
        source_words, target_words
    ):
        dropped["ratio"] += 1
    else:
        return True
    return False


def _clean(pairs: Iterator[Pair], config: PrepareConfig, dropped: Counter[str]) -> list[Pair]:
    return [
        pair
        for pair in ((normalise(s), normalise(t)) for s, t in pairs)
        if keep(pair, config, dropped)
    ]


def _input_files(config: PrepareConfig) -> list[Path]:
    corpora = [*config.sources, *([config.dev] if config.dev else []), *config.test.values()]
    paths = [path for files in corpora for pattern in files.paths() for path in expand(pattern)]
    return paths + capture_files(config.captures)


def step_fingerprint(config: BuildConfig) -> str:
    return fingerprint(
        "prepare", config.source_lang, config.target_lang, config.prepare,
        file_digest(_input_files(config.prepare)),
    )  # fmt: skip


def run(config: BuildConfig, work: WorkDir, force: bool = False) -> Artifact:
    return work.run_step(
        "prepare", step_fingerprint(config), lambda out: _build(config, out), force
    )


def _build(config: BuildConfig, out: Path) -> dict[str, Any]:
    prep = config.prepare
    dropped: Counter[str] = Counter()
    seen: set[str] = set()
    pairs: list[Pair] = []
    read = 0
    direction = f"{config.source_lang}-{config.target_lang}"
    corpora = [read_pairs(files) for files in prep.sources]
    corpora.append(read_captures(prep.captures, direction))
    captured_sources: set[str] = set()
    with tqdm(desc="prepare", unit="line") as bar:
        for corpus in corpora:
            for pair in corpus:
                read += 1
                bar.update()
                clean = (normalise(pair[0]), normalise(pair[1]))
                if not keep(clean, prep, dropped):
                    continue
                if clean[0] in seen:
                    dropped["duplicate"] += 1
                    continue
                seen.add(clean[0])
                pairs.append(clean)
                if corpus is corpora[-1]:
                    captured_sources.add(clean[0])
    random.Random(prep.seed).shuffle(pairs)

    def hold_out(count: int) -> list[Pair]:
        chosen = [p for p in pairs if p[1]][:count]
        taken = {p[0] for p in chosen}
        pairs[:] = [p for p in pairs if p[0] not in taken]
        return chosen

    dev = _clean(read_pairs(prep.dev), prep, Counter()) if prep.dev else hold_out(prep.holdout_dev)
    tests = {name: _clean(read_pairs(f), prep, Counter()) for name, f in prep.test.items()}
    if not tests:
        tests = {"heldout": hold_out(prep.holdout_test)}
    evaluation = {p[0] for p in dev} | {p[0] for pairs_ in tests.values() for p in pairs_}
    before = len(pairs)
    pairs = [p for p in pairs if p[0] not in evaluation]
    dropped["in_dev_or_test"] += before - len(pairs)
    if prep.max_sentences is not None and len(pairs) > prep.max_sentences:
        dropped["over_max_sentences"] += len(pairs) - prep.max_sentences
        pairs = pairs[: prep.max_sentences]
    if not pairs or not dev:
        raise ValueError("prepare: no training or dev sentences left after filtering")

    captured = sum(1 for source, _ in pairs if source in captured_sources)
    write_lines(out / "train.src", [s for s, _ in pairs])
    write_lines(out / "train.ref", [t for _, t in pairs])
    write_lines(out / "dev.src", [s for s, _ in dev])
    write_lines(out / "dev.ref", [t for _, t in dev])
    (out / "test").mkdir()
    for name, test in tests.items():
        write_lines(out / "test" / f"{name}.src", [s for s, _ in test])
        write_lines(out / "test" / f"{name}.ref", [t for _, t in test])
    summary = {
        "read": read,
        "train": len(pairs),
        "with_reference": sum(1 for _, t in pairs if t),
        "dev": len(dev),
        "test": {name: len(test) for name, test in tests.items()},
        "dropped": dict(dropped),
        "sources": [p for f in prep.sources for p in f.paths()],
        "captured": captured,
    }
    log.info("prepare: %d train, %d dev, dropped %s", len(pairs), len(dev), dict(dropped))
    return summary
