"""bundle: the self-contained folder the service serves (DESIGN.md §1), sealed with checksums.

Usage: `model-build bundle CONFIG [--force]`. Writes::

    <bundle.output>/            # default <work>/bundles/<src>-<tgt>
      bundle.json               # manifest: teacher, student, quality, cost baseline, sha256s
      model/                    # CTranslate2 int8 model
      source.spm target.spm
      report.md quality_speed.png routing.png   # routing.png: when evaluate calibrated
    <work>/bundle/done.json     # records which output folder this build wrote

The bundle is assembled in `<output>.partial` and renamed into place only once sealed, so an
interrupted build never leaves a half-written bundle where the service looks.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from bundle import (
    CostBaseline,
    Manifest,
    ModelInfo,
    Routing,
    Score,
    StudentInfo,
    TeacherInfo,
    TestSetQuality,
    TrainingData,
    TrainingRun,
    seal,
)
from model_build import calibration, normal_range
from model_build.config import BuildConfig
from model_build.steps import STEP_NAMES
from model_build.workdir import Artifact, WorkDir, fingerprint, read_lines

log = logging.getLogger(__name__)
PLOT_NAME = "quality_speed.png"
ROUTING_PLOT_NAME = "routing.png"


def step_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    return fingerprint(
        "bundle", config.bundle, config.name, config.version, str(config.output_path.resolve()),
        work.upstream("evaluate"),
    )  # fmt: skip


def run(config: BuildConfig, work: WorkDir, force: bool = False) -> Artifact:
    return work.run_step(
        "bundle", step_fingerprint(config, work), lambda out: _build(config, work), force
    )


def _summary(work: WorkDir, step: str) -> dict[str, Any]:
    work.require(step)
    done = work.done(step)
    assert done is not None  # require() checked it
    summary: dict[str, Any] = done["summary"]
    return summary


def build_manifest(config: BuildConfig, work: WorkDir) -> Manifest:
    import ctranslate2

    prepared, trained, evaluated = (_summary(work, s) for s in ("prepare", "train", "evaluate"))
    converted, vocab = _summary(work, "convert"), _summary(work, "vocab")
    dims = config.student.dims()
    speed = {row["system"]: row for row in evaluated["speed"]}
    student_speed = next(row for name, row in speed.items() if name.startswith("student"))
    teacher_speed = next((row for name, row in speed.items() if name.startswith("teacher")), None)
    cost = None
    if teacher_speed is not None:
        cost = CostBaseline(
            hardware=evaluated["hardware"],
            threads=evaluated["threads"],
            measured_at=datetime.fromisoformat(evaluated["measured_at"]),
            teacher_seconds_per_1k_tokens=teacher_speed["seconds_per_1k_tokens"],
            teacher_backend=teacher_speed["system"].removeprefix("teacher (").rstrip(")"),
            student_seconds_per_1k_tokens=student_speed["seconds_per_1k_tokens"],
            hardware_usd_per_hour=config.bundle.hardware_usd_per_hour,
            price_source=config.bundle.price_source,
            **teacher_gpu_price(config, evaluated.get("teacher_hardware")),
        )
    quality = {
        name: TestSetQuality(
            sentences=q["sentences"],
            student=Score(**q["student"]),
            teacher=Score(**q["teacher"]),
            student_vs_teacher=Score(**q["student_vs_teacher"]),
        )
        for name, q in evaluated["quality"].items()
    }
    distilled = config.train.data == "distilled"
    return Manifest(
        name=config.name,
        version=config.version,
        created_at=datetime.now().astimezone(),
        source_lang=config.source_lang,
        target_lang=config.target_lang,
        teacher=TeacherInfo(
            id=config.teacher.model,
            family=config.teacher.family,
            revision=config.teacher.revision,
            parameters=evaluated.get("teacher_parameters"),
        ),
        student=StudentInfo(
            preset=config.student.preset,
            encoder_layers=dims["encoder_layers"],
            decoder_layers=dims["decoder_layers"],
            d_model=dims["d_model"],
            ffn_dim=dims["ffn_dim"],
            attention_heads=dims["attention_heads"],
            parameters=trained["parameters"],
            source_vocab_size=vocab["size"],
            target_vocab_size=vocab["size"],
        ),
        model=ModelInfo(
            compute_type=converted["quantization"],
            ctranslate2_version=ctranslate2.__version__,
            beam_size=config.evaluate.beam_size,
            max_input_tokens=config.student.max_positions - 1,
            max_output_tokens=config.student.max_positions - 1,
            vocabulary_map="model/vmap.txt" if converted.get("vocabulary_map") else None,
        ),
        data=TrainingData(
            sentences=trained["sentences"],
            sources=prepared["sources"],
            distilled=distilled,
        ),
        training=training_run(trained),
        quality=quality,
        cost=cost,
        routing=Routing.model_validate(evaluated["routing"]) if "routing" in evaluated else None,
    )


def teacher_gpu_price(config: BuildConfig, gpu: str | None) -> dict[str, Any]:
    """The cost baseline's teacher hardware fields: a teacher measured on a GPU is priced as
    that GPU, not as the CPUs the student was measured on."""
    if gpu is None:
        return {}
    return {
        "teacher_hardware": gpu,
        "teacher_hardware_usd_per_hour": config.bundle.teacher_gpu_usd_per_hour,
        "teacher_price_source": config.bundle.teacher_gpu_price_source,
    }


def training_run(trained: dict[str, Any]) -> TrainingRun | None:
    """The train step's record; None for a work folder trained before steps were recorded."""
    fields = TrainingRun.model_fields.keys()
    if not fields <= trained.keys():
        return None
    return TrainingRun.model_validate({name: trained[name] for name in fields})


def _build(config: BuildConfig, work: WorkDir) -> dict[str, Any]:
    converted, _ = work.require("convert")
    vocab_dir, _ = work.require("vocab")
    output = config.output_path
    staging = output.with_name(output.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    shutil.copytree(converted / "model", staging / "model")
    for name in ("source.spm", "target.spm"):
        shutil.copy(vocab_dir / name, staging / name)
    prepared, _ = work.require("prepare")
    manifest = build_manifest(config, work)
    normal = normal_range.measure(
        staging, manifest, read_lines(prepared / "train.src"), read_lines(prepared / "dev.src")
    )
    manifest = manifest.model_copy(update={"normal_range": normal})
    evaluated = _summary(work, "evaluate")
    write_plot(evaluated, staging / PLOT_NAME)
    if manifest.routing is not None:
        calibration.write_plot(manifest.routing, staging / ROUTING_PLOT_NAME)
    (staging / "report.md").write_text(
        render_report(config, manifest, evaluated, work), encoding="utf-8"
    )
    sealed = seal(staging, manifest)
    if output.exists():
        shutil.rmtree(output)
    staging.rename(output)
    log.info("bundle: wrote %s (%d files)", output, len(sealed.files))
    return {"output": str(output.resolve()), "files": len(sealed.files)}


def write_plot(evaluated: dict[str, Any], path: Path) -> None:
    """chrF against output tokens/s for every system of the speed run (log x axis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    for row in evaluated["speed"]:
        axes.scatter(row["tokens_per_second"], row["chrf"], s=60)
        axes.annotate(row["system"], (row["tokens_per_second"], row["chrf"]),
                      textcoords="offset points", xytext=(5, 5), fontsize=8)  # fmt: skip
    axes.set_xscale("log")
    axes.set_xlabel(f"output tokens/s ({evaluated['threads']} threads, log scale)")
    axes.set_ylabel(f"chrF on {evaluated['speed_set']} (speed subset)")
    axes.set_title("Quality against speed")
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def render_report(
    config: BuildConfig, manifest: Manifest, evaluated: dict[str, Any], work: WorkDir
) -> str:
    lines = [
        f"# {manifest.name} {manifest.version}: {manifest.direction}",
        "",
        f"Teacher `{manifest.teacher.id}` ({manifest.teacher.family}, "
        f"{manifest.teacher.parameters or '?'} parameters); student preset "
        f"`{manifest.student.preset}` ({manifest.student.parameters} parameters), CTranslate2 "
        f"{manifest.model.compute_type}, beam {manifest.model.beam_size}.",
        "",
        *headline(evaluated),
        "## Quality (sacrebleu, detokenized, cased)",
        "",
    ]
    for name, q in evaluated["quality"].items():
        lines += [f"### {name} ({q['sentences']} sentences)", "", *quality_table(q), ""]
    lines += [
        f"## Speed ({evaluated['hardware']}, {evaluated['threads']} threads, "
        f"{evaluated['speed_set']}, one run)",
        "",
        "The same sentences through every system in one process, one after the other. The "
        "student's speed-up is its output tokens/s over the system's, and (time) its "
        "sentences/s over the system's: the tokenizers differ, the sentences do not.",
        "",
        "| system | output tokens/s | ms/sentence | s per 1k tokens | peak memory MB | chrF "
        "| student speed-up | (time) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    student = _student_speed(evaluated)
    for r in evaluated["speed"]:
        lines.append(
            f"| {r['system']} | {r['tokens_per_second']} | {r['ms_per_sentence']} "
            f"| {r['seconds_per_1k_tokens']} | {r['peak_memory_mb']} | {r['chrf']} "
            f"| {_ratio(student['tokens_per_second'], r['tokens_per_second'])} "
            f"| {_ratio(r['ms_per_sentence'], student['ms_per_sentence'])} |"
        )
    lines += ["", f"![quality against speed]({PLOT_NAME})", ""]
    if manifest.routing is not None:
        lines += calibration.report_lines(manifest.routing, ROUTING_PLOT_NAME)
    if config.bundle.report_notes:
        lines += ["## Notes", "", config.bundle.report_notes.strip(), ""]
    lines += training_lines(manifest.training)
    lines += build_lines(work)
    distill = (work.done("distill") or {}).get("summary", {})
    if distill:
        lines += [
            "## Distillation",
            "",
            f"{distill['sentences']} sentences translated by the teacher, {distill['kept']} kept; "
            f"dropped: {json.dumps(distill['dropped'])}; teacher usage: "
            f"{json.dumps(distill['usage'])}.",
            "",
        ]
    return "\n".join(lines)


def training_lines(training: TrainingRun | None) -> list[str]:
    if training is None:
        return []
    return [
        "## Training",
        "",
        f"{training.steps:,} steps ({training.tokens:,} tokens seen), stopped by "
        f"{training.stopped_by}; seed {training.seed}, {training.precision}, "
        f"{training.threads} threads on {training.device}. Took {training.seconds / 60:.1f} min "
        f"({training.seconds_per_step:.2f} s a step) on {training.hardware}.",
        "",
        "What must not depend on the machine: the budget (steps or epochs, never minutes) and "
        "the seeds fix the model, and precision (`auto`: bf16 where the CPU multiplies it "
        "natively, else fp32) changes only its rounding, so every quality figure in this report "
        "should come out the same, within noise, on any CPU. What does: wall times, the speed "
        "table and the cost baseline are this machine's.",
        "",
    ]


def build_lines(work: WorkDir) -> list[str]:
    """Every step's wall time and peak memory (steps recorded before that show '?')."""
    lines = ["## Build", "", "| step | wall time | peak memory MB | machine |", "|---|---|---|---|"]
    total = 0.0
    for step in STEP_NAMES:
        done = work.done(step)
        if done is None or step == "bundle":
            continue
        total += done["seconds"]
        lines.append(
            f"| {step} | {_minutes(done['seconds'])} | {done.get('peak_memory_mb', '?')} "
            f"| {done.get('hardware', '?')} |"
        )
    return [*lines, f"| total (before bundle) | {_minutes(total)} | | |", ""]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


QUALITY_ROWS = {
    "teacher": "teacher",
    "student": "student (CTranslate2 int8, as served)",
    "student_float32": "student unquantized (float32)",
    "baseline": "baseline: the same student trained without the teacher",
}


def quality_table(q: dict[str, Any]) -> list[str]:
    teacher_bleu = q["teacher"]["bleu"]
    rows = ["| system | BLEU | chrF | BLEU vs teacher |", "|---|---|---|---|"]
    for key, label in QUALITY_ROWS.items():
        if key in q:
            bleu, chrf = q[key]["bleu"], q[key]["chrf"]
            share = f"{100 * bleu / teacher_bleu:.1f}%" if teacher_bleu else "–"
            rows.append(f"| {label} | {bleu} | {chrf} | {share} |")
    return rows


def headline(evaluated: dict[str, Any]) -> list[str]:
    """The claim in one list: quality kept, what the teacher adds, int8's cost, speed-ups."""
    name, q = next(iter(evaluated["quality"].items()))
    student, teacher = q["student"]["bleu"], q["teacher"]["bleu"]
    lines = [f"On {name}:", ""]
    if teacher:
        lines.append(f"- the student keeps {100 * student / teacher:.1f}% of the teacher's BLEU "
                     f"({student} vs {teacher})")  # fmt: skip
    if "baseline" in q:
        gain = student - q["baseline"]["bleu"]
        lines.append(f"- distillation adds {gain:+.2f} BLEU over the same student trained on "
                     "the references alone (the baseline bundle)")  # fmt: skip
    if "student_float32" in q:
        change = student - q["student_float32"]["bleu"]
        lines.append(f"- int8 quantization changes BLEU by {change:+.2f} against float32")
    best = _student_speed(evaluated)
    for r in evaluated["speed"]:
        if r is not best:
            tokens = _ratio(best["tokens_per_second"], r["tokens_per_second"])
            time = _ratio(r["ms_per_sentence"], best["ms_per_sentence"])
            lines.append(
                f"- against the {r['system']}, the student produces {tokens} its output "
                f"tokens/s and translates the same sentences {time} faster"
            )
    return [*lines, ""]


def _student_speed(evaluated: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in evaluated["speed"] if r["system"].startswith("student"))


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}x" if denominator else "–"
