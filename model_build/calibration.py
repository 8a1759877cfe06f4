"""Calibration: which sentences the student should hand to the teacher (bundle.json `routing`).

On dev, student and teacher translate every sentence, and the student reports its confidence
signals. Escalating the least confident share of sentences (lowest signal first) gives the
curve "share escalated -> BLEU/chrF of the mixed output" (student where confident, teacher where
escalated) against the references and against teacher-only. The threshold comes from a target:
an escalation budget, or a share of the teacher's BLEU to reach. A binned, isotonic table turns
the signal into what a user can read: the estimated probability that the student's sentence
matches the teacher's (sentence chrF >= `match_chrf`).

The evaluate step calibrates every new build; for a bundle built before, with a teacher bundle
(`model-build teacher-bundle`) or a Hugging Face teacher folder::

    model-build calibrate service/bundles/en-de --teacher work/teacher-en-de \\
        --dev ../shared/data/multi30k/val.en.gz --dev-ref ../shared/data/multi30k/val.de.gz
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

from bundle import CalibrationBin, Routing, RoutingPoint, read_manifest, write_manifest
from model_build.confidence import Decoded, StudentDecoder
from model_build.config import CalibrateConfig, TeacherConfig
from model_build.normal_range import quantile, read_text_lines
from model_build.teachers.base import Teacher
from model_build.workdir import StepError

log = logging.getLogger(__name__)

QUANTILES = (0.01, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
# The budgets a signal is judged on: what a deployment would plausibly escalate.
SELECTION_SHARES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
CURVE_SHARES = tuple(round(0.05 * i, 2) for i in range(21))


def escalation_order(signal: Sequence[float]) -> list[int]:
    """Sentence indices, least confident first (ties keep input order)."""
    return sorted(range(len(signal)), key=lambda i: signal[i])


def threshold_at(signal: Sequence[float], count: int) -> float:
    """A threshold below which exactly the `count` least confident sentences fall."""
    ordered = sorted(signal)
    if count <= 0:
        return ordered[0]
    if count >= len(ordered):
        return ordered[-1] + 1e-6
    return (ordered[count - 1] + ordered[count]) / 2


def mixed(
    order: Sequence[int], count: int, student: Sequence[str], teacher: Sequence[str]
) -> list[str]:
    escalated = set(order[:count])
    return [teacher[i] if i in escalated else student[i] for i in range(len(student))]


def point(
    signal: Sequence[float],
    share: float,
    student: Sequence[str],
    teacher: Sequence[str],
    refs: Sequence[str],
) -> RoutingPoint:
    """Escalate `share` of the sentences, least confident first, and score the mixed output."""
    import sacrebleu

    count = round(share * len(signal))
    output = mixed(escalation_order(signal), count, student, teacher)
    return RoutingPoint(
        escalated=round(count / len(signal), 4),
        threshold=round(threshold_at(signal, count), 6),
        bleu=round(float(sacrebleu.corpus_bleu(output, [list(refs)]).score), 2),
        chrf=round(float(sacrebleu.corpus_chrf(output, [list(refs)]).score), 2),
        bleu_vs_teacher=round(float(sacrebleu.corpus_bleu(output, [list(teacher)]).score), 2),
        chrf_vs_teacher=round(float(sacrebleu.corpus_chrf(output, [list(teacher)]).score), 2),
    )


def curve(
    signal: Sequence[float],
    student: Sequence[str],
    teacher: Sequence[str],
    refs: Sequence[str],
    shares: Sequence[float] = CURVE_SHARES,
) -> list[RoutingPoint]:
    return [point(signal, share, student, teacher, refs) for share in shares]


def selection_score(points: Sequence[RoutingPoint]) -> float:
    """How well a signal finds the sentences where the student departs from the teacher: the
    mixed output's mean chrF against teacher-only over the usual budgets. (Against the
    references, on the reference pair every ordering, random included, gained about as much:
    the student's doubtful sentences are the teacher's hard ones too; docs/cascade.md.)"""
    chosen = [
        p.chrf_vs_teacher
        for p in points
        if any(abs(p.escalated - s) < 0.01 for s in SELECTION_SHARES)
    ]
    return round(sum(chosen) / len(chosen), 3) if chosen else 0.0


def choose_threshold(
    signal: Sequence[float],
    student: Sequence[str],
    teacher: Sequence[str],
    refs: Sequence[str],
    config: CalibrateConfig,
) -> tuple[float, str]:
    """The threshold the configured target asks for, and that target in words."""
    import sacrebleu

    if config.bleu_share is None:
        budget = config.budget if config.budget is not None else 0.1
        return threshold_at(signal, round(budget * len(signal))), f"budget {budget:g}"
    goal = config.bleu_share * float(sacrebleu.corpus_bleu(list(teacher), [list(refs)]).score)
    order = escalation_order(signal)
    step = max(1, len(signal) // 100)
    for count in range(0, len(signal) + 1, step):
        output = mixed(order, count, student, teacher)
        if float(sacrebleu.corpus_bleu(output, [list(refs)]).score) >= goal:
            return threshold_at(signal, count), f"bleu_share {config.bleu_share:g}"
    log.warning("calibrate: BLEU share %s is not reached even escalating all", config.bleu_share)
    return threshold_at(signal, len(signal)), f"bleu_share {config.bleu_share:g} (not reached)"


def isotonic(values: Sequence[float], weights: Sequence[int]) -> list[float]:
    """Pool adjacent violators: the closest non-decreasing sequence (weighted least squares)."""
    blocks: list[list[float]] = []  # [mean, weight, members]
    for value, weight in zip(values, weights, strict=True):
        blocks.append([value, float(weight), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean2, weight2, n2 = blocks.pop()
            mean1, weight1, n1 = blocks.pop()
            total = weight1 + weight2
            blocks.append([(mean1 * weight1 + mean2 * weight2) / total, total, n1 + n2])
    out: list[float] = []
    for mean, _, members in blocks:
        out += [mean] * int(members)
    return out


def calibration_table(
    signal: Sequence[float], matches: Sequence[bool], bins: int
) -> list[CalibrationBin]:
    """Equal-count bins of the signal with the (isotonic) share of matches in each."""
    order = escalation_order(signal)
    bins = max(1, min(bins, len(order)))
    edges = [round(i * len(order) / bins) for i in range(bins + 1)]
    groups = [order[edges[i] : edges[i + 1]] for i in range(bins)]
    rates = [sum(matches[j] for j in group) / len(group) for group in groups]
    smooth = isotonic(rates, [len(group) for group in groups])
    return [
        CalibrationBin(
            signal_min=round(signal[group[0]], 6), sentences=len(group), p_match=round(p, 3)
        )
        for group, p in zip(groups, smooth, strict=True)
    ]


def sentence_matches(
    student: Sequence[str], teacher: Sequence[str], match_chrf: float
) -> list[bool]:
    import sacrebleu

    return [
        float(sacrebleu.sentence_chrf(hyp, [ref]).score) >= match_chrf
        for hyp, ref in zip(student, teacher, strict=True)
    ]


def calibrate(
    decoded: Decoded,
    teacher: Sequence[str],
    refs: Sequence[str],
    config: CalibrateConfig,
    teacher_name: str,
    measured_on: str,
) -> Routing:
    """Compare the signals on dev, keep the best, and calibrate it into a `Routing`."""
    if not decoded.hyps:
        raise ValueError("calibration needs dev sentences")
    curves = {
        name: curve(values, decoded.hyps, teacher, refs) for name, values in decoded.signals.items()
    }
    compared = {name: selection_score(points) for name, points in curves.items()}
    best = max(compared, key=lambda name: compared[name])
    log.info(
        "calibrate: signals by chrF vs teacher at 5-30%% escalated: %s; kept %s", compared, best
    )
    signal = decoded.signals[best]
    threshold, target = choose_threshold(signal, decoded.hyps, teacher, refs, config)
    matches = sentence_matches(decoded.hyps, teacher, config.match_chrf)
    return Routing(
        signal=best,
        threshold=round(threshold, 6),
        target=target,
        dev_escalated=round(share_below(signal, threshold), 4),
        quantiles={f"p{round(100 * q):02d}": round(quantile(signal, q), 4) for q in QUANTILES},
        curve=curves[best],
        match_chrf=config.match_chrf,
        calibration=calibration_table(signal, matches, config.bins),
        signals_compared=compared,
        teacher=teacher_name,
        measured_on=measured_on,
    )


def share_below(signal: Sequence[float], threshold: float) -> float:
    """The share of sentences a threshold escalates."""
    return sum(value < threshold for value in signal) / len(signal) if signal else math.nan


# model_build/teachers family of a Hugging Face checkpoint folder, by its config's model_type
HF_FAMILIES = {"marian": "marian", "m2m_100": "m2m100"}


def load_dev_teacher(path: Path, source_lang: str, target_lang: str, beam_size: int) -> Teacher:
    """A teacher bundle (or CTranslate2 folder with bundle.json) or a Hugging Face folder."""
    import json

    from model_build.steps.evaluate import load_bundle
    from model_build.teachers import teacher_class

    if (path / "bundle.json").is_file():
        return load_bundle(path, beam_size, 0)
    config_file = path / "config.json"
    model_type = (
        json.loads(config_file.read_text())["model_type"] if config_file.is_file() else None
    )
    family = HF_FAMILIES.get(str(model_type))
    if family is None:
        raise StepError(
            f"calibrate: {path} is neither a bundle nor a {'/'.join(HF_FAMILIES)} checkpoint "
            "(pack other teachers with `model-build teacher-bundle`)"
        )
    config = TeacherConfig(family=family, model=str(path), device="cpu")
    return teacher_class(family)(config, source_lang, target_lang, beam_size=beam_size)


def read_dev(dev: Path, refs: Path, limit: int | None) -> tuple[list[str], list[str]]:
    """Line-aligned dev sources and references, blank sources dropped, at most `limit`."""
    sources, references = read_text_lines(dev), read_text_lines(refs)
    if len(sources) != len(references):
        raise StepError(f"calibrate: {dev} has {len(sources)} lines, {refs} {len(references)}")
    pairs = [(s, r) for s, r in zip(sources, references, strict=True) if s.strip()][:limit]
    return [s for s, _ in pairs], [r for _, r in pairs]


def update_bundle(
    bundle_dir: Path, teacher_path: Path, dev: Path, refs: Path, config: CalibrateConfig
) -> Routing:
    """Calibrate an existing bundle against a teacher on dev and write its `routing`."""
    from model_build.steps.evaluate import translate_all

    manifest = read_manifest(bundle_dir)
    sources, references = read_dev(dev, refs, config.max_sentences)
    decoded = StudentDecoder.for_bundle(bundle_dir).decode(sources, config.signals)
    teacher = load_dev_teacher(
        teacher_path, manifest.source_lang, manifest.target_lang, manifest.model.beam_size
    )
    teacher_hyps = translate_all(teacher, sources, "teacher")
    teacher.close()
    routing = calibrate(
        decoded, teacher_hyps, references, config, str(teacher_path),
        f"{len(sources)} sentences of {dev.name}",
    )  # fmt: skip
    write_manifest(bundle_dir, manifest.model_copy(update={"routing": routing}))
    log.info("routing of %s: %s < %s (%s)", bundle_dir, routing.signal, routing.threshold,
             routing.target)  # fmt: skip
    return routing


REPORT_SHARES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1.0)


def report_lines(routing: Routing, plot_name: str) -> list[str]:
    """report.md's routing section: the curve, the chosen threshold and the probability table."""
    curve_rows = [
        p for p in routing.curve if any(abs(p.escalated - s) < 1e-3 for s in REPORT_SHARES)
    ]
    lines = [
        "## Routing: when the student hands a sentence to the teacher",
        "",
        f"Signal `{routing.signal}`; a sentence below **{routing.threshold}** is low-confidence "
        f"(flagged or escalated): {routing.target}, {100 * routing.dev_escalated:.1f}% of dev. "
        f"Measured on {routing.measured_on} against `{routing.teacher}`; signals compared "
        f"(mean chrF against teacher-only at 5-30% escalated): "
        + ", ".join(f"{name} {score}" for name, score in routing.signals_compared.items())
        + ".",
        "",
        "| escalated | threshold | BLEU | chrF | BLEU vs teacher-only | chrF vs teacher-only |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {100 * p.escalated:.0f}% | {p.threshold} | {p.bleu} | {p.chrf} "
        f"| {p.bleu_vs_teacher} | {p.chrf_vs_teacher} |"
        for p in curve_rows
    ]
    lines += [
        "",
        f"![quality against share escalated]({plot_name})",
        "",
        f"Estimated probability that the student's sentence matches the teacher's (sentence "
        f"chrF >= {routing.match_chrf}), by signal (equal-count bins, isotonic):",
        "",
        "| signal from | sentences | P(match) |",
        "|---|---|---|",
    ]
    lines += [f"| {b.signal_min} | {b.sentences} | {b.p_match} |" for b in routing.calibration]
    return [*lines, ""]


def write_plot(routing: Routing, path: Path) -> None:
    """BLEU of the mixed output (vs references and vs teacher-only) against share escalated."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shares = [100 * p.escalated for p in routing.curve]
    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    axes.plot(shares, [p.bleu for p in routing.curve], marker="o", label="BLEU vs references")
    axes.plot(shares, [p.bleu_vs_teacher for p in routing.curve], marker="s",
              label="BLEU vs teacher-only")  # fmt: skip
    axes.axvline(100 * routing.dev_escalated, color="grey", linestyle="--",
                 label=f"threshold {routing.threshold}")  # fmt: skip
    axes.set_xlabel(f"dev sentences escalated, least confident first ({routing.signal}), %")
    axes.set_ylabel("BLEU of the mixed output")
    axes.set_title("Cascade: quality against share escalated")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
