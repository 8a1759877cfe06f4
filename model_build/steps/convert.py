"""convert: the best student checkpoint to CTranslate2, quantized (int8 by default).

Usage: `model-build convert CONFIG`. Writes::

    <work>/convert/
      model/        # CTranslate2 model (model.bin, config.json, shared_vocabulary.json,
                    # vmap.txt: the shortlist step's map, when shortlist.enabled)
      done.json     # dev chrF of the quantized and of the float32 model, and the drop

The check translates dev sentences the way the service will (SentencePiece pieces + `</s>`,
the shortlist when there is one), with the quantized model and with a float32 conversion
(always the full vocabulary), and fails the step when serving costs more than
`convert.max_chrf_drop` chrF points.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from model_build.config import BuildConfig
from model_build.steps.shortlist import MAP_NAME
from model_build.workdir import Artifact, StepError, WorkDir, fingerprint, read_lines

log = logging.getLogger(__name__)


def step_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    parts = [config.convert, config.evaluate.beam_size, work.upstream("train")]
    if config.shortlist.enabled:  # builds without a shortlist keep their fingerprints
        parts.append(work.upstream("shortlist"))
    return fingerprint("convert", *parts)


def run(config: BuildConfig, work: WorkDir, force: bool = False) -> Artifact:
    trained, _ = work.require("train")
    prepared, _ = work.require("prepare")
    vocabulary_map = vocabulary_map_of(config, work)
    return work.run_step(
        "convert",
        step_fingerprint(config, work),
        lambda out: _build(config, trained / "model", prepared, out, vocabulary_map),
        force,
    )


def vocabulary_map_of(config: BuildConfig, work: WorkDir) -> Path | None:
    """The shortlist step's map when the build has one."""
    if not config.shortlist.enabled:
        return None
    folder, _ = work.require("shortlist")
    return folder / MAP_NAME


def cpu_compute_type(quantization: str) -> str:
    """What a CPU can run of a model stored as `quantization` (int8_float16 → int8)."""
    return "int8" if quantization.startswith("int8") else quantization


def dev_chrf(model_dir: Path, spm_dir: Path, sources: list[str], refs: list[str],
             compute_type: str, beam_size: int, threads: int) -> float:  # fmt: skip
    import sacrebleu

    from model_build.steps.evaluate import load_student, translate_all

    student = load_student(model_dir, spm_dir, beam_size, threads, compute_type)
    hyps = translate_all(student, sources, f"dev chrF {compute_type}")
    return float(sacrebleu.corpus_chrf(hyps, [refs]).score)


def _build(
    config: BuildConfig, checkpoint: Path, prepared: Path, out: Path, vocabulary_map: Path | None
) -> dict[str, Any]:
    from ctranslate2.converters import TransformersConverter

    quantization = config.convert.quantization
    converter = TransformersConverter(str(checkpoint))
    converter.convert(
        str(out / "model"),
        vmap=str(vocabulary_map) if vocabulary_map else None,
        quantization=quantization,
        force=True,
    )
    converter.convert(str(out / "float32"), quantization="float32", force=True)
    count = config.convert.check_sentences
    sources = read_lines(prepared / "dev.src")[:count]
    refs = read_lines(prepared / "dev.ref")[:count]
    beam, threads = config.evaluate.beam_size, config.evaluate.threads
    quantized = dev_chrf(
        out / "model", checkpoint, sources, refs, cpu_compute_type(quantization), beam, threads
    )
    full = dev_chrf(out / "float32", checkpoint, sources, refs, "float32", beam, threads)
    shutil.rmtree(out / "float32")
    drop = full - quantized
    log.info("convert: dev chrF %s %.2f, float32 %.2f", quantization, quantized, full)
    if drop > config.convert.max_chrf_drop:
        raise StepError(
            f"convert: {quantization} loses {drop:.2f} dev chrF against float32 "
            f"(limit convert.max_chrf_drop={config.convert.max_chrf_drop})"
        )
    return {
        "quantization": quantization,
        "vocabulary_map": vocabulary_map is not None,
        "dev_chrf": round(quantized, 2),
        "dev_chrf_float32": round(full, 2),
        "chrf_drop": round(drop, 2),
    }
