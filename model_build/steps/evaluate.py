"""evaluate: quality against references and the teacher, and speed side by side in one run.

Usage: `model-build evaluate CONFIG`. Writes::

    <work>/evaluate/
      results.json                 # quality per test set, speed per system, hardware, threads
      hyps/<test>.{student,student_float32,teacher,baseline}.txt
      done.json

Routing (`calibrate` config section, model_build/calibration.py): the teacher also translates
dev, the student decodes it with its confidence signals, and the curve, threshold and
probability table go into results.json as `routing` for the bundle step.

Quality: sacrebleu BLEU and chrF, detokenized and cased, of the student (CTranslate2, as
served), the same student unquantized, the teacher, and an optional baseline bundle, against
references; plus the student
scored against the teacher's output (agreement). Speed: the same sentences, in the same
process and thread count, through the teacher as its users run it (transformers fp32 for hub
checkpoints), the teacher converted to CTranslate2 int8, and the student in CTranslate2 int8:
output tokens/s, ms per sentence, and peak resident memory above the process's baseline.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bundle import MAX_LENGTH_RATIO, read_manifest
from model_build.config import BuildConfig, TeacherConfig
from model_build.hardware import PeakMemory, hardware_name
from model_build.teachers.base import Teacher
from model_build.workdir import Artifact, WorkDir, fingerprint, read_lines, write_lines

log = logging.getLogger(__name__)
DEV_SET = "dev"  # the teacher's dev translations (hyps/dev.teacher.txt) calibrate the routing


def step_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    teacher = config.teacher.model_dump(exclude={"concurrency", "max_retries", "timeout_s"})
    return fingerprint(
        "evaluate", config.evaluate, config.calibrate, teacher, work.upstream("convert"),
        work.upstream("prepare"),
    )  # fmt: skip


def run(config: BuildConfig, work: WorkDir, force: bool = False) -> Artifact:
    return work.run_step(
        "evaluate", step_fingerprint(config, work), lambda out: _build(config, work, out), force
    )


def translate_all(teacher: Teacher, sources: list[str], desc: str) -> list[str]:
    outputs: list[str] = []
    size = teacher.batch_sentences
    with tqdm(total=len(sources), desc=desc, unit="sent") as bar:
        for start in range(0, len(sources), size):
            outputs += teacher.translate(sources[start : start + size])
            bar.update(min(size, len(sources) - start))
    return outputs


def score(hyps: list[str], refs: list[str]) -> dict[str, float]:
    import sacrebleu

    return {
        "bleu": round(float(sacrebleu.corpus_bleu(hyps, [refs]).score), 2),
        "chrf": round(float(sacrebleu.corpus_chrf(hyps, [refs]).score), 2),
    }


def measure(
    name: str, load: Callable[[], Teacher], sources: list[str], refs: list[str]
) -> tuple[dict[str, Any], Teacher]:
    """Load and run one system on `sources`: speed, peak memory and chrF on those sentences."""
    with PeakMemory() as memory:
        system = load()
        system.translate(sources[:4])  # warm-up, not timed
        tokens = system.output_tokens
        started = time.perf_counter()
        hyps = translate_all(system, sources, name)
        seconds = time.perf_counter() - started
    produced = system.output_tokens - tokens
    result = {
        "system": name,
        "sentences": len(sources),
        "output_tokens": produced,
        "seconds": round(seconds, 3),
        "tokens_per_second": round(produced / seconds, 1) if seconds else 0.0,
        "ms_per_sentence": round(1000 * seconds / max(len(sources), 1), 2),
        "seconds_per_1k_tokens": round(1000 * seconds / max(produced, 1), 4),
        "peak_memory_mb": memory.peak_mb,
        **score(hyps, refs),
    }
    log.info("speed %s: %.1f tokens/s, %.1f ms/sentence", name, result["tokens_per_second"],
             result["ms_per_sentence"])  # fmt: skip
    return result, system


def teacher_gpu(config: BuildConfig) -> str | None:
    """The GPU the teacher's speed was measured on (the bundle's cost baseline prices it as
    that GPU); None: it ran on the CPUs of `hardware_name`."""
    if config.teacher.family == "openai" or config.teacher.device == "cpu":
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    return f"1x {torch.cuda.get_device_name(0)}"


def load_student(
    model_dir: Path, spm_dir: Path, beam: int, threads: int, compute_type: str = "int8"
) -> Teacher:
    from model_build.teachers.ctranslate2 import CTranslate2Teacher, SpmCodec, max_decoding_length

    codec = SpmCodec(spm_dir / "source.spm", spm_dir / "target.spm")
    return CTranslate2Teacher.from_folder(
        TeacherConfig(family="ctranslate2", model=str(model_dir), device="cpu"),
        model_dir, codec, beam, max_decoding_length(model_dir), compute_type, threads,
        length_ratio=MAX_LENGTH_RATIO,  # what its bundle will declare: bounded as served
    )  # fmt: skip


def float_student(checkpoint: Path, out: Path, spm_dir: Path, beam: int, threads: int) -> Teacher:
    """The trained student converted without quantization: what int8 costs in quality."""
    from ctranslate2.converters import TransformersConverter

    TransformersConverter(str(checkpoint)).convert(str(out), quantization="float32", force=True)
    return load_student(out, spm_dir, beam, threads, "float32")


def load_bundle(folder: Path, beam: int, threads: int) -> Teacher:
    from model_build.teachers.ctranslate2 import (
        CTranslate2Teacher,
        max_decoding_length,
        spm_codec_for,
    )

    config = TeacherConfig(family="ctranslate2", model=str(folder), device="cpu")
    model_dir, codec = spm_codec_for(folder)
    bound = max_decoding_length(model_dir)
    ratio = read_manifest(folder).model.max_length_ratio  # bounded as the service bounds it
    return CTranslate2Teacher.from_folder(
        config, model_dir, codec, beam, bound, "int8", threads, length_ratio=ratio
    )


def _build(config: BuildConfig, work: WorkDir, out: Path) -> dict[str, Any]:
    import torch

    prepared, _ = work.require("prepare")
    converted, _ = work.require("convert")
    vocab_dir, _ = work.require("vocab")
    trained, _ = work.require("train")
    ev = config.evaluate
    threads = ev.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    cap = ev.max_sentences
    test_sets = {
        path.stem: (read_lines(path)[:cap], read_lines(path.with_suffix(".ref"))[:cap])
        for path in sorted((prepared / "test").glob("*.src"))
    }
    first_name, (first_src, first_ref) = next(iter(test_sets.items()))
    speed_src, speed_ref = first_src[: ev.speed_sentences], first_ref[: ev.speed_sentences]
    (out / "hyps").mkdir()

    dev = _calibration_set(config, prepared)
    speed, teacher_hyps, teacher_parameters = _run_teacher(
        config, threads, {**test_sets, **dev}, speed_src, speed_ref, out
    )
    quality: dict[str, dict[str, Any]] = {}
    result, student = measure(
        "student (CTranslate2 int8)",
        lambda: load_student(converted / "model", vocab_dir, ev.beam_size, threads),
        speed_src,
        speed_ref,
    )
    speed.append(result)
    others = {"student_float32": float_student(
        trained / "model", out / "student-float32", vocab_dir, ev.beam_size, threads
    )}  # fmt: skip
    if ev.baseline_bundle:
        others["baseline"] = load_bundle(Path(ev.baseline_bundle), ev.beam_size, threads)
    for name, (sources, refs) in test_sets.items():
        hyps = translate_all(student, sources, f"student {name}")
        write_lines(out / "hyps" / f"{name}.student.txt", hyps)
        quality[name] = {
            "sentences": len(sources),
            "student": score(hyps, refs),
            "teacher": score(teacher_hyps[name], refs),
            "student_vs_teacher": score(hyps, teacher_hyps[name]),
        }
        for key, system in others.items():
            other_hyps = translate_all(system, sources, f"{key} {name}")
            write_lines(out / "hyps" / f"{name}.{key}.txt", other_hyps)
            quality[name][key] = score(other_hyps, refs)
    for system in others.values():
        system.close()
    shutil.rmtree(out / "student-float32")
    results: dict[str, Any] = {
        "quality": quality,
        "speed": speed,
        "speed_set": first_name,
        "hardware": config.bundle.hardware or hardware_name(),
        "teacher_hardware": teacher_gpu(config),
        "threads": threads,
        "teacher_parameters": teacher_parameters,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if dev:
        results["routing"] = _routing(config, converted / "model", vocab_dir, dev, teacher_hyps)
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


def _calibration_set(config: BuildConfig, prepared: Path) -> dict[str, tuple[list[str], list[str]]]:
    """The dev sentences the routing is calibrated on (none when calibration is off)."""
    if not config.calibrate.enabled:
        return {}
    cap = config.calibrate.max_sentences
    return {
        DEV_SET: (read_lines(prepared / "dev.src")[:cap], read_lines(prepared / "dev.ref")[:cap])
    }


def _routing(
    config: BuildConfig,
    model_dir: Path,
    vocab_dir: Path,
    dev: dict[str, tuple[list[str], list[str]]],
    teacher_hyps: dict[str, list[str]],
) -> dict[str, Any]:
    """Calibrate the student's confidence against the teacher on dev (bundle.json `routing`)."""
    from model_build.calibration import calibrate
    from model_build.confidence import StudentDecoder

    sources, refs = dev[DEV_SET]
    decoder = StudentDecoder(
        model_dir, vocab_dir / "source.spm", vocab_dir / "target.spm", config.evaluate.beam_size,
        positions=config.student.max_positions - 1,
    )  # fmt: skip
    decoded = decoder.decode(sources, config.calibrate.signals, "student dev")
    routing = calibrate(
        decoded, teacher_hyps[DEV_SET], refs, config.calibrate, config.teacher.model,
        f"{len(sources)} dev sentences",
    )  # fmt: skip
    return routing.model_dump(mode="json")


def _run_teacher(
    config: BuildConfig,
    threads: int,
    test_sets: dict[str, tuple[list[str], list[str]]],
    speed_src: list[str],
    speed_ref: list[str],
    out: Path,
) -> tuple[list[dict[str, Any]], dict[str, list[str]], int | None]:
    """The teacher's speed (as users run it, and converted to CTranslate2 int8) and outputs."""
    from model_build.teachers import load_teacher
    from model_build.teachers.huggingface import HFSeq2SeqTeacher

    ev = config.evaluate
    speed: list[dict[str, Any]] = []
    teacher_speed, teacher = measure(
        f"teacher ({_backend(config)})",
        lambda: load_teacher(config, beam_size=ev.beam_size, threads=threads),
        speed_src if ev.speed_teacher else speed_src[:8],
        speed_ref if ev.speed_teacher else speed_ref[:8],
    )
    if ev.speed_teacher:
        speed.append(teacher_speed)
    teacher_hyps: dict[str, list[str]] = {}
    for name, (sources, _) in test_sets.items():
        teacher_hyps[name] = translate_all(teacher, sources, f"teacher {name}")
        write_lines(out / "hyps" / f"{name}.teacher.txt", teacher_hyps[name])
    if ev.speed_teacher and isinstance(teacher, HFSeq2SeqTeacher):
        hf_teacher = teacher
        ct2_dir = out / "teacher-ct2"
        result, converted_teacher = measure(
            "teacher (CTranslate2 int8)",
            lambda: hf_teacher.to_ctranslate2(ct2_dir, "int8"),
            speed_src,
            speed_ref,
        )
        speed.append(result)
        converted_teacher.close()
        shutil.rmtree(ct2_dir)
    parameters = teacher.parameters()
    teacher.close()
    return speed, teacher_hyps, parameters


def _backend(config: BuildConfig) -> str:
    family = config.teacher.family
    if family == "ctranslate2":
        return "CTranslate2"
    if family == "openai":
        return "chat API"
    return "transformers fp32"
