"""The cascade on the reference pair: student and teacher side by side, one run.

    python -m benchmarks.cascade [--bundle service/bundles/en-de] [--teacher work/teacher-en-de]

For each text set, the student (with its confidence signal) and the teacher bundle translate
every sentence in the same process, one thread each. At the bundle's shipped threshold
(bundle.json `routing`), or with words the service finds unfamiliar (`unfamiliar_words`), it
reports the share escalated (and by the score alone); with references, the curve "share
escalated -> BLEU/chrF of the mixed output" and the mixed BLEU at a 30% budget against
teacher-only; and the CPU cost of student alone, cascade (student + teacher on escalated
sentences) and teacher-only, each batch's CPU split over its sentences by output tokens (as the
service attributes cost). Sets: Multi30k val (dev) and test_2016_flickr (captions), the first
1,000 sentences of newstest2021 (news), English prose from the docstrings of Python's
standard library (technical documentation), and English UI strings with their German
translations from this machine's gettext catalogs (/usr/share/locale/de). Writes
`<out>/cascade.json` and prints markdown.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sentencepiece as spm

from bundle import Routing, read_manifest
from model_build.calibration import curve, point, share_below
from model_build.confidence import StudentDecoder
from model_build.normal_range import read_text_lines
from model_build.steps.evaluate import load_bundle
from service.routing.checks import unfamiliar

log = logging.getLogger("benchmarks.cascade")
DATA = Path("../shared/data")
BATCH = 16
BUDGET = 0.3
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_PROSE_WORD = re.compile(r"^[A-Za-z][A-Za-z,;:'()\-]*[.,;:]?$")
_UI_WORD = re.compile(r"^[A-Za-z][A-Za-z,;:'()\-]*[.,;:!?]?$")


@dataclass
class TextSet:
    name: str
    kind: str  # captions / out of domain
    sources: list[str]
    refs: list[str] | None


def stdlib_prose(limit: int) -> list[str]:
    """Sentences of plain English prose from the standard library's module docstrings: 6-30
    words, every word letters and punctuation only (no code, paths or numbers), deduplicated."""
    import importlib
    import warnings

    seen: set[str] = set()
    out: list[str] = []
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in {"antigravity", "this", "idlelib", "turtledemo"}:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                doc = importlib.import_module(name).__doc__ or ""
        except Exception:  # a module that does not import here has no prose for us
            continue
        for sentence in _SENTENCE.split(" ".join(doc.split())):
            words = sentence.split()
            prose = 6 <= len(words) <= 30 and all(_PROSE_WORD.match(w) for w in words)
            if prose and sentence.endswith(".") and sentence not in seen:
                seen.add(sentence)
                out.append(sentence)
    return out[:limit]


LOCALE = Path("/usr/share/locale/de/LC_MESSAGES")


def gettext_ui_strings(limit: int) -> tuple[list[str], list[str]]:
    """English UI strings and their German translations from this machine's gettext catalogs
    (apt, coreutils, git, ...): 3-15 words of letters and punctuation, capitalized, no format
    specifiers; deduplicated, in file and key order, then `limit` spread evenly over them."""
    import gettext

    pairs: dict[str, str] = {}
    for path in sorted(LOCALE.glob("*.mo")):
        try:
            with path.open("rb") as handle:
                catalog: dict[object, object] = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        except (OSError, UnicodeDecodeError) as error:  # not a catalog this Python reads
            log.info("skipped %s: %s", path.name, error)
            continue
        for english, german in sorted((k, v) for k, v in catalog.items() if isinstance(k, str)):
            words = english.split()
            plain = 3 <= len(words) <= 15 and all(_UI_WORD.match(w) for w in words)
            if plain and english[0].isupper() and isinstance(german, str) and german.strip():
                pairs.setdefault(english, german)
    chosen = list(pairs.items())[:: max(1, len(pairs) // limit)][:limit] if limit else []
    return [english for english, _ in chosen], [german for _, german in chosen]


def text_sets(news: int, prose: int, ui: int) -> list[TextSet]:
    m30k, wmt = DATA / "multi30k", DATA / "newstest2021-en-de"

    def pair(folder: Path, stem: str, limit: int | None = None) -> tuple[list[str], list[str]]:
        src = read_text_lines(folder / f"{stem}.en.gz")[:limit]
        return src, read_text_lines(folder / f"{stem}.de.gz")[:limit]

    return [
        TextSet("val (dev)", "captions", *pair(m30k, "val")),
        TextSet("test_2016_flickr", "captions", *pair(m30k, "test_2016_flickr")),
        TextSet(f"newstest2021 (first {news})", "news", *pair(wmt, "newstest2021", news)),
        TextSet("Python stdlib docstrings", "technical prose", stdlib_prose(prose), None),
        TextSet("gettext UI strings", "UI strings", *gettext_ui_strings(ui)),
    ]


def batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def teacher_costs(teacher: Any, sources: list[str]) -> tuple[list[str], list[float]]:
    """The teacher's translations and each sentence's CPU seconds (its batch's CPU split by
    output tokens)."""
    hyps: list[str] = []
    cpu: list[float] = []
    for batch in batches(sources):
        started = time.process_time()
        out = teacher.translate(batch)
        cpu += split_cpu(time.process_time() - started, out)
        hyps += out
    return hyps, cpu


def split_cpu(seconds: float, outputs: list[str]) -> list[float]:
    """A batch's CPU time over its sentences in proportion to their output length (words)."""
    lengths = [max(1, len(text.split())) for text in outputs]
    return [seconds * length / sum(lengths) for length in lengths]


def student_costs(
    student: StudentDecoder, sources: list[str], signal: str
) -> tuple[list[str], list[float], list[float]]:
    """The student's translations, signal values and per-sentence CPU seconds."""
    hyps: list[str] = []
    values: list[float] = []
    cpu: list[float] = []
    for batch in batches(sources):
        started = time.process_time()
        decoded = student.decode(batch, [signal], progress=False)
        cpu += split_cpu(time.process_time() - started, decoded.hyps)
        hyps += decoded.hyps
        values += decoded.signals[signal]
    return hyps, values, cpu


def with_unfamiliar_first(
    signal: list[float], sources: list[str], unfamiliar: Callable[[str], bool]
) -> list[float]:
    """The signal, with sentences the service flags as ``unfamiliar_words`` (whatever their
    score) at minus infinity: below any threshold, first in any budget."""
    return [-math.inf if unfamiliar(s) else v for v, s in zip(signal, sources, strict=True)]


def measure(
    text: TextSet,
    routing: Routing,
    student: StudentDecoder,
    teacher: Any,
    unfamiliar: Callable[[str], bool],
) -> dict[str, Any]:
    student_hyps, by_score, student_cpu = student_costs(student, text.sources, routing.signal)
    teacher_hyps, teacher_cpu = teacher_costs(teacher, text.sources)
    signal = with_unfamiliar_first(by_score, text.sources, unfamiliar)
    escalated = [value < routing.threshold for value in signal]
    cascade_cpu = sum(student_cpu) + sum(
        c for c, e in zip(teacher_cpu, escalated, strict=True) if e
    )
    result: dict[str, Any] = {
        "set": text.name,
        "kind": text.kind,
        "sentences": len(text.sources),
        "escalated_at_threshold": round(share_below(signal, routing.threshold), 4),
        "escalated_by_score_alone": round(share_below(by_score, routing.threshold), 4),
        "cpu_seconds": {
            "student": round(sum(student_cpu), 2),
            "cascade": round(cascade_cpu, 2),
            "teacher_only": round(sum(teacher_cpu), 2),
        },
    }
    if text.refs is not None:
        refs = text.refs
        shipped = share_below(signal, routing.threshold)
        result["curve"] = [
            p.model_dump() for p in curve(by_score, student_hyps, teacher_hyps, refs)
        ]
        result["at_threshold"] = point(
            signal, shipped, student_hyps, teacher_hyps, refs
        ).model_dump()
        at_budget = point(by_score, BUDGET, student_hyps, teacher_hyps, refs)
        teacher_only = point(by_score, 1.0, student_hyps, teacher_hyps, refs)
        result["budget_30"] = at_budget.model_dump()
        student_only = point(by_score, 0.0, student_hyps, teacher_hyps, refs)
        result["student_only"] = student_only.model_dump()
        result["teacher_only"] = teacher_only.model_dump()
        result["budget_30_bleu_share"] = round(at_budget.bleu / teacher_only.bleu, 4)
    return result


def markdown(results: list[dict[str, Any]], routing: Routing, hardware: str) -> str:
    lines = [
        f"Threshold: `{routing.signal}` < {routing.threshold} ({routing.target} on "
        f"{routing.measured_on}), or `unfamiliar_words`. {hardware}, one thread per model, CPU "
        "seconds per set.",
        "",
        "| set | sentences | escalated at threshold | by score alone | student CPU s "
        "| cascade CPU s | teacher-only CPU s | cascade / teacher-only |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cpu = r["cpu_seconds"]
        ratio = cpu["cascade"] / max(cpu["teacher_only"], 1e-9)
        lines.append(
            f"| {r['set']} ({r['kind']}) | {r['sentences']} "
            f"| {100 * r['escalated_at_threshold']:.1f}% "
            f"| {100 * r['escalated_by_score_alone']:.1f}% | {cpu['student']} | {cpu['cascade']} "
            f"| {cpu['teacher_only']} | {100 * ratio:.0f}% |"
        )
    lines += [
        "",
        "| set | student BLEU | at threshold: escalated, BLEU | 30% escalated: BLEU "
        "| teacher-only BLEU | 30%: share of teacher-only |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        if "curve" in r:
            lines.append(
                f"| {r['set']} | {r['student_only']['bleu']} "
                f"| {100 * r['at_threshold']['escalated']:.1f}%, {r['at_threshold']['bleu']} "
                f"| {r['budget_30']['bleu']} | {r['teacher_only']['bleu']} "
                f"| {100 * r['budget_30_bleu_share']:.1f}% |"
            )
    for r in results:
        if "curve" in r:
            lines += [
                "",
                f"Curve on {r['set']} (least confident first):",
                "",
                "| escalated | BLEU | chrF | BLEU vs teacher-only | chrF vs teacher-only |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| {100 * p['escalated']:.0f}% | {p['bleu']} | {p['chrf']} "
                f"| {p['bleu_vs_teacher']} | {p['chrf_vs_teacher']} |"
                for p in r["curve"]
                if round(100 * p["escalated"]) in (0, 5, 10, 15, 20, 30, 40, 50, 75, 100)
            ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=Path("service/bundles/en-de"))
    parser.add_argument("--teacher", type=Path, default=Path("work/teacher-en-de"))
    parser.add_argument("--news", type=int, default=1000, help="newstest2021 sentences")
    parser.add_argument("--prose", type=int, default=500, help="docstring sentences at most")
    parser.add_argument("--ui", type=int, default=500, help="gettext UI strings at most")
    parser.add_argument("--out", type=Path, default=Path("work/cascade"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from model_build.hardware import hardware_name

    manifest = read_manifest(args.bundle)
    routing, normal = manifest.routing, manifest.normal_range
    if routing is None or normal is None:
        sys.exit(f"{args.bundle} has no routing or normal range: run `model-build calibrate`")
    pieces = spm.SentencePieceProcessor(model_file=str(args.bundle / manifest.tokenizer.source_spm))
    student = StudentDecoder.for_bundle(args.bundle)
    teacher = load_bundle(args.teacher, read_manifest(args.teacher).model.beam_size, 1)
    results = []
    for text in text_sets(args.news, args.prose, args.ui):
        log.info("%s: %d sentences", text.name, len(text.sources))
        if not text.sources:  # no gettext catalogs here, or --ui 0
            continue
        results.append(
            measure(
                text,
                routing,
                student,
                teacher,
                lambda s: unfamiliar(pieces.encode(s, out_type=str), normal),
            )
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cascade.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    sys.stdout.write(markdown(results, routing, hardware_name()))


if __name__ == "__main__":
    main()
