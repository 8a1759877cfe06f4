"""The bundle manifest: the one schema that `model_build` writes and `service` reads.

A bundle is a folder for one translation direction::

    en-de/
      bundle.json        # this manifest
      model/             # CTranslate2 model (model.bin, config.json, vocabularies,
                         # vmap.txt when the bundle has a vocabulary shortlist)
      source.spm         # SentencePiece model for the source side
      target.spm         # SentencePiece model for the target side
      report.md          # human-readable build report (and any plots it links)

`bundle.json` lists the sha256 of every other file, so a bundle that was copied badly or
tampered with is refused before it serves a request (see `bundle.checksums`).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1
MANIFEST_NAME = "bundle.json"
VOCABULARY_MAP_NAME = "vmap.txt"  # the one name CTranslate2 reads a vocabulary map from


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeacherInfo(_Strict):
    """The model the student learned from; what its cost is compared with."""

    id: str = Field(description="Hub id, local path, CTranslate2 folder or chat model name.")
    family: str = Field(description="marian, m2m100, nllb, mbart50, t5, ctranslate2 or openai.")
    revision: str | None = None
    parameters: int | None = Field(default=None, description="Parameter count, when known.")


class StudentInfo(_Strict):
    preset: str
    encoder_layers: int
    decoder_layers: int
    d_model: int
    ffn_dim: int
    attention_heads: int
    parameters: int
    source_vocab_size: int
    target_vocab_size: int


MAX_LENGTH_RATIO = 3.0
"""Target tokens per source token a bundle decodes at most, unless its manifest says otherwise."""


class ModelInfo(_Strict):
    """How the CTranslate2 model is stored and how it should be decoded."""

    path: str = "model"
    compute_type: str = Field(description="CTranslate2 quantization, e.g. int8.")
    ctranslate2_version: str
    beam_size: int = 4
    max_input_tokens: int = Field(default=256, description="Longer inputs must be split.")
    max_output_tokens: int | None = Field(
        default=None,
        description="Target tokens the decoder has positions for (target prefix included); "
        "None: as max_input_tokens (encoder and decoder of the same size).",
    )
    max_length_ratio: float = Field(
        default=MAX_LENGTH_RATIO,
        description="Decoding stops after this many target tokens per source token.",
    )
    vocabulary_map: str | None = Field(
        default=None,
        description="The vocabulary shortlist, `<path>/vmap.txt` (checksummed like every file): "
        "decoding scores only the target tokens it allows for the batch's source tokens "
        "(CTranslate2 use_vmap). None: the full output layer.",
    )

    @model_validator(mode="after")
    def _map_inside_the_model(self) -> ModelInfo:
        expected = f"{self.path}/{VOCABULARY_MAP_NAME}"
        if self.vocabulary_map not in (None, expected):
            raise ValueError(f"vocabulary_map must be {expected} (CTranslate2 reads no other)")
        return self


class TokenizerInfo(_Strict):
    source_spm: str = "source.spm"
    target_spm: str = "target.spm"
    source_prefix: list[str] = Field(
        default_factory=list, description="Tokens put before every source sentence."
    )
    target_prefix: list[str] = Field(
        default_factory=list, description="Tokens forced at the start of decoding."
    )


class NormalRange(_Strict):
    """What normal input and output look like for this student, so the service can tell when a
    sentence is far outside it (cut it before translation, or flag the translation).

    Token counts are the student's own (source pieces and end marker) over the training sources;
    ratios (output tokens per input token) and scores (CTranslate2's mean token log-probability
    of the best hypothesis) are those of the student's own translations of the dev set.
    """

    source_tokens_p50: float
    source_tokens_p99: float
    source_tokens_max: int
    ratio_p01: float
    ratio_p99: float
    score_p05: float
    score_p50: float
    pieces_per_word_p99: float | None = Field(
        default=None,
        description="99th percentile of SentencePiece pieces per word (`pieces_per_word`) over "
        "the training sources of at least `PIECES_MIN_WORDS` words: text whose words the "
        "vocabulary splits far more is unfamiliar to the student. Absent in bundles built "
        "before it.",
    )
    measured_on: str = Field(description="Which texts the figures come from.")


WORD_START = "\u2581"
"""SentencePiece's mark of a piece that starts a word (``▁``)."""

PIECES_MIN_WORDS = 3
"""Fewer words than this are too few to judge a vocabulary by ("Hello", "OK"): neither measured
at build time nor checked at serve time."""


def words_in(pieces: list[str]) -> int:
    """Pieces that start a word."""
    return sum(piece.startswith(WORD_START) for piece in pieces)


def pieces_per_word(pieces: list[str]) -> float:
    """Source pieces (no prefix, no end marker) per word, a word being a piece that starts with
    ``▁``. A vocabulary learnt from captions keeps their words whole (1.1 a word) and cuts
    other text's words into fragments (``▁C l ick ▁S ave``: 2.0 a word). The same function at
    build and serve time."""
    return len(pieces) / max(1, words_in(pieces))


def decoding_length(max_length_ratio: float, longest_input: int, positions: int) -> int:
    """Target-token bound for a batch: a runaway beam stops near the input's length (with
    CTranslate2's default length penalty a search runs until its last beam ends), and never
    past the decoder's `positions` (CTranslate2 raises beyond them). The same bound at build
    and serve time, so the build's speed and scores are the service's."""
    bound = math.ceil(max_length_ratio * longest_input) + 4
    return min(max(8, bound), positions)


class RoutingPoint(_Strict):
    """One point of the dev curve: escalate the least confident share, score the mixed output."""

    escalated: float = Field(description="Share of dev sentences sent to the teacher (0-1).")
    threshold: float = Field(description="Signal value below which a sentence is escalated.")
    bleu: float = Field(description="BLEU of the mixed output against the references.")
    chrf: float
    bleu_vs_teacher: float = Field(description="BLEU of the mixed output against teacher-only.")
    chrf_vs_teacher: float


class CalibrationBin(_Strict):
    """Sentences whose signal is at least `signal_min` (and below the next bin's)."""

    signal_min: float = Field(description="Lowest signal of the bin; the first bin has no floor.")
    sentences: int
    p_match: float = Field(
        description="Estimated probability (0-1) that the student's translation matches the "
        "teacher's (sentence chrF >= the routing's match_chrf); monotone in the signal."
    )


class Routing(_Strict):
    """When the student should hand a sentence to the teacher, calibrated on dev at build time.

    A sentence whose `signal` is below `threshold` is low-confidence: flagged, or escalated to
    the teacher. `calibration` turns the signal into a probability a user can read.
    """

    signal: str = Field(
        description="mean_logprob: CTranslate2's return_scores (mean token log-probability of "
        "the best beam, length penalty 1, the bundle's beam size)."
    )
    threshold: float = Field(description="Escalate (or flag) when the signal is below this.")
    target: str = Field(description="What chose the threshold, e.g. 'budget 0.1'.")
    dev_escalated: float = Field(description="Share of dev sentences below the threshold.")
    quantiles: dict[str, float] = Field(
        description="The signal's quantiles on dev (in-domain), e.g. p05, p10, p50."
    )
    curve: list[RoutingPoint]
    match_chrf: float = Field(
        description="Sentence chrF against the teacher that counts as a match."
    )
    calibration: list[CalibrationBin] = Field(description="Ascending by signal_min.")
    signals_compared: dict[str, float] = Field(
        default_factory=dict,
        description="Every signal tried, by its selection score: the mixed output's mean chrF "
        "against teacher-only at 5-30% escalated (higher is better).",
    )
    teacher: str = Field(description="The teacher the curve was measured against.")
    measured_on: str = Field(description="Which texts the figures come from.")

    def probability(self, signal: float) -> float:
        """The calibrated probability of a match for a sentence with this signal."""
        chosen = self.calibration[0].p_match if self.calibration else 0.0
        for entry in self.calibration:
            if signal >= entry.signal_min:
                chosen = entry.p_match
        return chosen


class TrainingData(_Strict):
    sentences: int
    sources: list[str]
    distilled: bool = Field(description="True when the targets were written by the teacher.")


class TrainingRun(_Strict):
    """How the student was trained: what fixes the model (budget, seed, precision) and where it ran.

    Steps, tokens, seed and precision must give the same quality on any machine; seconds and
    hardware only say how long it took there.
    """

    steps: int
    tokens: int = Field(description="Source and target tokens seen (eos included).")
    stopped_by: str = Field(description="max_steps, max_epochs or early_stopping.")
    seed: int
    precision: str = Field(description="fp32 or bfloat16 (autocast).")
    threads: int
    device: str
    hardware: str = Field(description="The machine training ran on, e.g. '2 vCPU AMD EPYC'.")
    seconds: float = Field(description="Training wall time on that machine (hardware-dependent).")
    seconds_per_step: float


class Score(_Strict):
    bleu: float
    chrf: float


class TestSetQuality(_Strict):
    """Quality on one named test set, all detokenized and cased (sacrebleu)."""

    sentences: int
    student: Score
    teacher: Score | None = None
    student_vs_teacher: Score | None = Field(
        default=None, description="The student scored against the teacher's translations."
    )


class CostBaseline(_Strict):
    """Seconds per 1,000 output tokens, measured side by side at build time."""

    hardware: str = Field(description="Where it was measured, e.g. '2 vCPU Xeon (AMX)'.")
    threads: int
    measured_at: datetime
    teacher_seconds_per_1k_tokens: float
    teacher_backend: str = Field(description="How the teacher ran, e.g. 'transformers fp32'.")
    student_seconds_per_1k_tokens: float
    hardware_usd_per_hour: float = Field(description="Price used for the hardware above.")
    price_source: str
    teacher_hardware: str | None = Field(
        default=None,
        description="Where the teacher's speed was measured when not on `hardware`, e.g. "
        "'1x NVIDIA A10G'; None: on `hardware` (a CPU teacher, or a bundle built before).",
    )
    teacher_hardware_usd_per_hour: float | None = Field(
        default=None, description="Price of teacher_hardware; None: hardware_usd_per_hour."
    )
    teacher_price_source: str | None = Field(
        default=None, description="Where that price comes from; None: price_source."
    )

    @property
    def teacher_measured_on(self) -> str:
        return self.teacher_hardware or self.hardware

    @property
    def teacher_usd_per_hour(self) -> float:
        if self.teacher_hardware_usd_per_hour is None:
            return self.hardware_usd_per_hour
        return self.teacher_hardware_usd_per_hour


class Manifest(_Strict):
    schema_version: int = SCHEMA_VERSION
    role: Literal["student", "teacher"] = Field(
        default="student",
        description="student: the distilled model; teacher: the teacher itself, packed in the "
        "same contract so it can run next to the student (bundles without the field: student).",
    )
    name: str = Field(description="Bundle name, e.g. 'multi30k-en-de-tiny'.")
    version: str
    created_at: datetime
    source_lang: str = Field(description="ISO 639-1 code of the source language.")
    target_lang: str = Field(description="ISO 639-1 code of the target language.")
    teacher: TeacherInfo
    student: StudentInfo
    model: ModelInfo
    tokenizer: TokenizerInfo = Field(default_factory=TokenizerInfo)
    data: TrainingData
    training: TrainingRun | None = Field(
        default=None, description="Training budget and machine; None: built before it was recorded."
    )
    quality: dict[str, TestSetQuality] = Field(default_factory=dict)
    cost: CostBaseline | None = None
    normal_range: NormalRange | None = Field(
        default=None, description="Normal input length and output ratios; None: not measured."
    )
    routing: Routing | None = Field(
        default=None, description="Confidence threshold and calibration; None: not calibrated."
    )
    files: dict[str, str] = Field(
        default_factory=dict, description="sha256 of every file in the bundle but this one."
    )

    @property
    def direction(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"


class BundleError(Exception):
    """A bundle that must not be served: missing, unreadable, wrong schema or bad checksums."""

    def __init__(self, folder: Path, problems: list[str]) -> None:
        self.folder = folder
        self.problems = problems
        super().__init__(f"bundle {folder}: " + "; ".join(problems))


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(folder, [f"no {MANIFEST_NAME}"]) from None
    except (OSError, ValueError) as exc:
        raise BundleError(folder, [f"unreadable {MANIFEST_NAME}: {exc}"]) from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise BundleError(folder, [f"schema_version {version!r}, this code reads {SCHEMA_VERSION}"])
    try:
        return Manifest.model_validate(raw)
    except ValueError as exc:
        raise BundleError(folder, [f"invalid {MANIFEST_NAME}: {exc}"]) from None


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    path = folder / MANIFEST_NAME
    path.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path
