"""The teacher itself as a bundle (`role: teacher`), so a cluster can run it next to the student.

Usage: `model-build teacher-bundle CONFIG OUT_DIR [--force]` packs the config's teacher::

    OUT_DIR/
      bundle.json        # the same manifest as a student's, role "teacher", sha256 of every file
      model/             # the teacher converted to CTranslate2 (int8 unless --quantization)
      source.spm target.spm
      report.md

Hugging Face checkpoints are converted with the converter the evaluate and distill steps use
(`teachers.huggingface.convert_checkpoint`); a CTranslate2 teacher folder is copied. Families
whose tokenizer is one SentencePiece model plus language tokens (Marian, M2M100) can be packed:
the service tokenizes every bundle as SentencePiece pieces between the manifest's prefix and
`</s>`. The bundle is assembled in `OUT_DIR.partial` and renamed only once sealed.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime
from pathlib import Path

from bundle import (
    Manifest,
    ModelInfo,
    StudentInfo,
    TeacherInfo,
    TokenizerInfo,
    TrainingData,
    seal,
)
from model_build.config import TeacherConfig
from model_build.workdir import StepError

log = logging.getLogger(__name__)

# family -> (source SentencePiece file, target SentencePiece file) in a hub checkpoint folder
SPM_FILES = {
    "marian": ("source.spm", "target.spm"),
    "m2m100": ("sentencepiece.bpe.model", "sentencepiece.bpe.model"),
    "ctranslate2": ("source.spm", "target.spm"),
}


def tokenizer_info(config: TeacherConfig, source_lang: str, target_lang: str) -> TokenizerInfo:
    """The language tokens the service must put around the pieces for this teacher."""
    source_prefix, target_prefix = list(config.source_prefix), list(config.target_prefix)
    if config.family == "marian" and config.target_code:
        source_prefix = [config.target_code]  # multi-target OPUS-MT: `>>de<<` first
    if config.family == "m2m100":
        source_prefix = [config.source_code or f"__{source_lang}__"]  # overrides verbatim
        target_prefix = [config.target_code or f"__{target_lang}__"]
    return TokenizerInfo(source_prefix=source_prefix, target_prefix=target_prefix)


def architecture(folder: Path, parameters: int | None) -> StudentInfo:
    """The model's dimensions from its config.json (the manifest's `student` block)."""
    raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return StudentInfo(
        preset="teacher",
        encoder_layers=raw.get("encoder_layers", 0),
        decoder_layers=raw.get("decoder_layers", 0),
        d_model=raw.get("d_model", 0),
        ffn_dim=raw.get("encoder_ffn_dim", 0),
        attention_heads=raw.get("encoder_attention_heads", 0),
        parameters=parameters or 0,
        source_vocab_size=raw.get("vocab_size", 0),
        target_vocab_size=raw.get("decoder_vocab_size") or raw.get("vocab_size", 0),
    )


def _parameters(model_dir: Path) -> int | None:
    """Parameter count from the checkpoint's safetensors header (no weights loaded)."""
    total = 0
    for path in model_dir.glob("*.safetensors"):
        with path.open("rb") as stream:
            size = int.from_bytes(stream.read(8), "little")
            header = json.loads(stream.read(size))
        for name, entry in header.items():
            if name != "__metadata__":
                count = 1
                for dim in entry["shape"]:
                    count *= dim
                total += count
    return total or None


def pack(
    config: TeacherConfig,
    source_lang: str,
    target_lang: str,
    output: Path,
    beam_size: int = 4,
    quantization: str = "int8",
    force: bool = False,
) -> Manifest:
    """Convert (or copy) the teacher into a sealed bundle at `output`; returns its manifest."""
    import ctranslate2

    if config.family not in SPM_FILES:
        raise StepError(
            f"teacher-bundle: family {config.family} cannot be packed yet "
            f"(packable: {', '.join(SPM_FILES)})"
        )
    if output.exists() and not force:
        raise StepError(f"teacher-bundle: {output} exists (use --force to replace it)")
    source = Path(config.model)
    staging = output.with_name(output.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    _model_into(config, source, staging / "model", quantization)
    source_spm, target_spm = SPM_FILES[config.family]
    shutil.copy(source / source_spm, staging / "source.spm")
    shutil.copy(source / target_spm, staging / "target.spm")
    arch_dir = source if (source / "config.json").is_file() else staging / "model"
    manifest = Manifest(
        role="teacher",
        name=f"{source.name}-teacher",
        version="1",
        created_at=datetime.now().astimezone(),
        source_lang=source_lang,
        target_lang=target_lang,
        teacher=TeacherInfo(
            id=config.model,
            family=config.family,
            revision=config.revision,
            parameters=_parameters(source),
        ),
        student=architecture(arch_dir, _parameters(source)),
        model=ModelInfo(
            compute_type=quantization,
            ctranslate2_version=ctranslate2.__version__,
            beam_size=beam_size,
            max_input_tokens=_positions(arch_dir) - 1,
            max_output_tokens=_positions(arch_dir) - 1,
        ),
        tokenizer=tokenizer_info(config, source_lang, target_lang),
        data=TrainingData(sentences=0, sources=[], distilled=False),
    )
    (staging / "report.md").write_text(_report(manifest), encoding="utf-8")
    sealed = seal(staging, manifest)
    if output.exists():
        shutil.rmtree(output)
    staging.rename(output)
    log.info("teacher-bundle: wrote %s (%d files)", output, len(sealed.files))
    return sealed


def _model_into(config: TeacherConfig, source: Path, target: Path, quantization: str) -> None:
    if config.family == "ctranslate2":
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.spm", "bundle.json"))
        return
    from model_build.teachers.huggingface import convert_checkpoint

    convert_checkpoint(config, target, quantization)


def _positions(folder: Path) -> int:
    """Decoder positions of the checkpoint (256 when its config does not say)."""
    path = folder / "config.json"
    raw = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return int(raw.get("max_position_embeddings", 256))


def _report(manifest: Manifest) -> str:
    return (
        f"# {manifest.name}: {manifest.direction} (teacher bundle)\n\n"
        f"The teacher `{manifest.teacher.id}` ({manifest.teacher.family}, "
        f"{manifest.teacher.parameters or '?'} parameters) converted to CTranslate2 "
        f"{manifest.model.compute_type}, unchanged otherwise: no training, no distillation. "
        "It serves as the cascade's local teacher (docs/cascade.md).\n"
    )
