"""A bundle with and without a vocabulary shortlist: BLEU and speed, side by side in one run.

Usage::

    python -m benchmarks.shortlist --bundle service/bundles/en-de --work work/shortlist \\
        --pairs ../shared/data/multi30k/train.en.gz ../shared/data/multi30k/train.de.gz \\
        --dev ../shared/data/multi30k/val.en.gz ../shared/data/multi30k/val.de.gz \\
        --test ../shared/data/multi30k/test_2016_flickr.en.gz \\
               ../shared/data/multi30k/test_2016_flickr.de.gz \\
        --grid 10:50 20:100 50:100 50:300

The bundle is copied into `--work` (never changed in place); each grid point `top_k:frequent`
gets a copy carrying its own map, built from `--pairs` with the bundle's SentencePiece models
exactly as the shortlist build step does. Every system is the service's own `BundleTranslator`
(one replica, one thread, the bundle's beam), fed consecutive batches under the service's
default token budget (MT_BATCH_MAX_TOKENS 256).

1. dev: BLEU and sentences/s (one pass) of every grid point and of the full output layer;
   the chosen point has the fewest output-layer rows per batch among those within
   `--max-bleu-drop` dev BLEU of the full layer (none within: the best dev BLEU, marked so).
2. dev and test: the chosen point against the full layer, speed in interleaved rounds (the
   best round of each kept), BLEU of both.

Prints markdown tables (docs/speed.md) and writes `<work>/results.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import sacrebleu

from bundle import open_verified
from model_build.config import ShortlistConfig
from model_build.normal_range import read_text_lines
from model_build.steps.shortlist import Shortlist, add_to_bundle, lexical_shortlist, write_map
from service.engine.translator import BundleTranslator
from service.settings import ServiceSettings

FIXED_CANDIDATES = 4  # CTranslate2 always adds <unk>, <s>, </s> and the padding token


@dataclass(frozen=True)
class Figures:
    system: str
    bleu: float
    sentences_per_second: float
    candidates_per_batch: float


def batches(tokens: list[list[str]], budget: int) -> list[list[list[str]]]:
    """Consecutive sentences under a source-token budget, as the dispatcher forms them."""
    out: list[list[list[str]]] = [[]]
    used = 0
    for sentence in tokens:
        if out[-1] and used + len(sentence) > budget:
            out.append([])
            used = 0
        out[-1].append(sentence)
        used += len(sentence)
    return out if out[0] else []


def candidates_per_batch(shortlist: Shortlist | None, work: list[list[list[str]]]) -> float:
    """Mean output-layer rows CTranslate2 scores per batch (the full layer without a map)."""
    if shortlist is None:
        return 0.0
    sizes = []
    for batch in work:
        allowed = set(shortlist.always)
        for sentence in batch:
            for piece in sentence:
                allowed.update(shortlist.candidates.get(piece, ()))
        sizes.append(len(allowed) + FIXED_CANDIDATES)
    return sum(sizes) / len(sizes)


def translate(translator: BundleTranslator, work: list[list[list[str]]]) -> tuple[list[str], float]:
    """Every batch once: the translations and sentences/s."""
    start = time.perf_counter()
    texts = [result.text for batch in work for result in translator.translate_tokens(batch)]
    return texts, len(texts) / (time.perf_counter() - start)


def single_replica(bundle: Path) -> BundleTranslator:
    settings = ServiceSettings(inter_threads=1, intra_threads=1)
    return BundleTranslator(bundle, open_verified(bundle), settings)


def measure(
    name: str,
    translator: BundleTranslator,
    shortlist: Shortlist | None,
    work: list[list[list[str]]],
    references: list[str],
) -> Figures:
    """One pass: BLEU, speed and output-layer rows of one system on one set."""
    texts, speed = translate(translator, work)
    return figures(name, texts, speed, shortlist, work, references)


def figures(
    name: str,
    texts: list[str],
    speed: float,
    shortlist: Shortlist | None,
    work: list[list[list[str]]],
    references: list[str],
) -> Figures:
    bleu = sacrebleu.corpus_bleu(texts, [references]).score
    rows = candidates_per_batch(shortlist, work)
    return Figures(name, round(bleu, 2), round(speed, 1), round(rows, 1))


def interleaved(
    systems: dict[str, BundleTranslator], work: list[list[list[str]]], rounds: int
) -> dict[str, tuple[list[str], list[float]]]:
    """Each system's translations and its sentences/s in each of `rounds` rounds, the systems
    alternating within each round (so both see the same load on a shared machine)."""
    runs: dict[str, tuple[list[str], list[float]]] = {}
    for _ in range(rounds):
        for name, translator in systems.items():
            texts, speed = translate(translator, work)
            runs.setdefault(name, (texts, []))[1].append(speed)
    return runs


def round_ratios(runs: dict[str, tuple[list[str], list[float]]]) -> list[float]:
    """The second system's speed over the first's, round by round."""
    (_, first), (_, second) = runs.values()
    return [round(b / a, 2) for a, b in zip(first, second, strict=True)]


def table(title: str, rows: list[Figures], full_speed: float) -> list[str]:
    lines = [
        f"## {title}",
        "",
        "| system | BLEU | sentences/s | speed-up | output-layer rows per batch |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        rows_scored = row.candidates_per_batch or "all"
        lines.append(
            f"| {row.system} | {row.bleu} | {row.sentences_per_second} "
            f"| {row.sentences_per_second / full_speed:.2f}x | {rows_scored} |"
        )
    return [*lines, ""]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="copies and maps go here")
    parser.add_argument(
        "--pairs", type=Path, nargs=2, action="append", required=True, metavar=("SRC", "TGT"),
        help="parallel text the maps are built from (repeatable: the files are concatenated)",
    )  # fmt: skip
    parser.add_argument("--dev", type=Path, nargs=2, required=True, metavar=("SRC", "REF"))
    parser.add_argument("--test", type=Path, nargs=2, required=True, metavar=("SRC", "REF"))
    parser.add_argument("--grid", nargs="+", default=["10:50", "20:100", "50:100", "50:300"])
    parser.add_argument("--min-count", type=int, default=1)
    parser.add_argument("--batch-tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-bleu-drop", type=float, default=0.2)
    return parser.parse_args(argv)


def build_grid(args: argparse.Namespace) -> dict[str, tuple[Shortlist, Path]]:
    """One shortlist and one bundle copy carrying it per grid point."""
    import sentencepiece as spm

    manifest = open_verified(args.bundle)
    source = spm.SentencePieceProcessor(model_file=str(args.bundle / manifest.tokenizer.source_spm))
    target = spm.SentencePieceProcessor(model_file=str(args.bundle / manifest.tokenizer.target_spm))
    sources = [line for src, _ in args.pairs for line in read_text_lines(src)]
    targets = [line for _, tgt in args.pairs for line in read_text_lines(tgt)]
    source_pieces = source.encode(sources, out_type=str)
    target_pieces = target.encode(targets, out_type=str)
    grid: dict[str, tuple[Shortlist, Path]] = {}
    for point in args.grid:
        top_k, frequent = (int(part) for part in point.split(":"))
        config = ShortlistConfig(top_k=top_k, frequent=frequent, min_count=args.min_count)
        shortlist = lexical_shortlist(source_pieces, target_pieces, config)
        map_file = write_map(shortlist, args.work / f"vmap-{top_k}-{frequent}.txt")
        bundle = add_to_bundle(args.bundle, map_file, args.work / f"bundle-{top_k}-{frequent}")
        grid[f"shortlist k={top_k} N={frequent}"] = (shortlist, bundle)
    return grid


def choose(rows: list[Figures], max_drop: float) -> tuple[Figures, bool]:
    """The fewest output-layer rows within `max_drop` dev BLEU of the full layer; else the
    best dev BLEU (and False: the rule is not met)."""
    full, points = rows[0], rows[1:]
    within = [row for row in points if full.bleu - row.bleu < max_drop]
    if within:
        return min(within, key=lambda row: row.candidates_per_batch), True
    return max(points, key=lambda row: row.bleu), False


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    grid = build_grid(args)
    full = single_replica(args.bundle)
    sets = {}
    for name, (sources, refs) in {"dev": args.dev, "test": args.test}.items():
        tokens = [full.tokenize(text) for text in read_text_lines(sources)]
        sets[name] = (sources.name, batches(tokens, args.batch_tokens), read_text_lines(refs))
    dev_name, dev_work, dev_refs = sets["dev"]
    translate(full, dev_work[:4])  # warm-up
    dev_rows = [measure("full output layer", full, None, dev_work, dev_refs)]
    for name, (shortlist, bundle) in grid.items():
        dev_rows.append(measure(name, single_replica(bundle), shortlist, dev_work, dev_refs))
    chosen, meets_rule = choose(dev_rows, args.max_bleu_drop)
    pairs = " + ".join(src.name for src, _ in args.pairs)
    out = [f"# Shortlist: {args.bundle} (maps from {pairs}; one replica, beam 4)", ""]
    out += table(f"{dev_name}: the grid, one pass each", dev_rows, dev_rows[0].sentences_per_second)
    verdict = "within" if meets_rule else "NOT within"
    out += [
        f"Chosen: {chosen.system}, {verdict} {args.max_bleu_drop} dev BLEU of the full layer.",
        "",
    ]
    results: dict[str, object] = {
        "grid": [asdict(row) for row in dev_rows],
        "chosen": chosen.system,
        "meets_rule": meets_rule,
    }
    shortlist, bundle = grid[chosen.system]
    systems = {"full output layer": full, chosen.system: single_replica(bundle)}
    lists = {"full output layer": None, chosen.system: shortlist}
    for name, (source_name, work, refs) in sets.items():
        runs = interleaved(systems, work, args.rounds)
        rows = [
            figures(system, runs[system][0], max(runs[system][1]), lists[system], work, refs)
            for system in systems
        ]
        ratios = round_ratios(runs)
        title = f"{source_name}: chosen against full, best of {args.rounds} interleaved rounds"
        out += table(title, rows, rows[0].sentences_per_second)
        out += [f"Speed-up round by round: {', '.join(f'{r:.2f}x' for r in ratios)}.", ""]
        results[name] = {"rows": [asdict(row) for row in rows], "round_speedups": ratios}
    (args.work / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
