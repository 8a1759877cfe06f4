"""The one typed build configuration, loaded from YAML (checked by `model_build.validation`).

A config has one section per step. Relative paths in a YAML file resolve against the current
working directory (run `model-build` from the repository root), so a config can name
`../shared/data/multi30k` the way the rest of the project does.

`model_build.validation.validate(config)` collects every problem it can find before any heavy
work (missing files, unknown teacher family, language codes the teacher does not know, an
existing output folder, an unreachable endpoint) so the user fixes them all in one go.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

TEACHER_FAMILIES = ("marian", "m2m100", "nllb", "mbart50", "t5", "ctranslate2", "openai")
# Confidence signals the calibration can compare (model_build/confidence.py computes them).
SIGNALS = (
    "mean_logprob",
    "min_token_logprob",
    "nbest_margin",
    "mean_logprob_x_margin",
    "mean_and_min_logprob",
)
STUDENT_PRESETS: dict[str, dict[str, int]] = {
    "tiny": {
        "encoder_layers": 6,
        "decoder_layers": 2,
        "d_model": 256,
        "ffn_dim": 1536,
        "attention_heads": 8,
    },
    "base": {
        "encoder_layers": 6,
        "decoder_layers": 6,
        "d_model": 512,
        "ffn_dim": 2048,
        "attention_heads": 8,
    },
}


class ConfigError(Exception):
    """The configuration cannot be built from; `problems` lists every reason at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid build config:\n  - " + "\n  - ".join(problems))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextFiles(_Section):
    """One corpus: a source file (plain or .gz, or a glob), its reference file, or a TSV."""

    source: str | None = Field(default=None, description="Source text, one sentence a line.")
    target: str | None = Field(default=None, description="References, line-aligned with source.")
    tsv: str | None = Field(default=None, description="source<TAB>target lines instead.")

    @model_validator(mode="after")
    def _one_layout(self) -> TextFiles:
        if (self.tsv is None) == (self.source is None):
            raise ValueError("give either `source` (and optionally `target`) or `tsv`")
        if self.tsv is not None and self.target is not None:
            raise ValueError("`target` cannot be combined with `tsv`")
        return self

    def paths(self) -> list[str]:
        return [p for p in (self.source, self.target, self.tsv) if p is not None]


class PrepareConfig(_Section):
    sources: list[TextFiles] = Field(min_length=1)
    dev: TextFiles | None = Field(default=None, description="Held out of `sources` when absent.")
    test: dict[str, TextFiles] = Field(
        default_factory=dict, description="Named test sets; `test` held out when empty."
    )
    holdout_dev: int = 500
    holdout_test: int = 500
    min_words: int = 1
    max_words: int = 100
    max_ratio: float = Field(default=3.0, description="Longest/shortest side, in words.")
    max_sentences: int | None = Field(default=None, description="Cap on training sentences.")
    seed: int = 1
    captures: list[str] = Field(
        default_factory=list,
        description="Capture folders of the service (MT_ROUTING_CAPTURE_DIR, or a glob of "
        "them): their low-confidence sentences of this direction are extra source text, so "
        "the teacher is distilled on the traffic the student failed on.",
    )


class TeacherConfig(_Section):
    family: str = Field(description="One of: " + ", ".join(TEACHER_FAMILIES))
    model: str = Field(description="Hub id, local folder, CTranslate2 folder or chat model name.")
    revision: str | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    source_code: str | None = Field(
        default=None,
        description="The teacher's source language token, verbatim (`__en__`, `eng_Latn`); "
        "default: the tokenizer's code for source_lang (docs/teachers.md).",
    )
    target_code: str | None = Field(
        default=None,
        description="The teacher's target language token, verbatim (`__de__`, `deu_Latn`, "
        "`de_DE`, `<2de>`, `>>de<<`); default: the tokenizer's code for target_lang.",
    )
    # CTranslate2 folders
    compute_type: str = "default"
    source_prefix: list[str] = Field(default_factory=list)
    target_prefix: list[str] = Field(default_factory=list)
    # OpenAI-compatible endpoints
    base_url: str | None = None
    api_key_env: str | None = Field(default=None, description="Name of the env var with the key.")
    prompt_template: str = (
        "Translate the following {source_name} text into {target_name}. "
        "Answer with the translation only.\n\n{text}"
    )
    concurrency: int = Field(default=4, ge=1)
    max_retries: int = Field(default=5, ge=0)
    timeout_s: float = 60.0
    price_usd_per_1m_input_tokens: float | None = None
    price_usd_per_1m_output_tokens: float | None = None


class DistillConfig(_Section):
    beam_size: int = Field(default=4, ge=1)
    max_length: int = Field(default=256, description="Max output tokens per sentence.")
    batch_tokens: int = Field(default=2048, description="Source tokens (words) per batch.")
    chunk_sentences: int = Field(default=1000, description="Sentences per resumable chunk file.")
    max_ratio: float = Field(default=3.0, description="Drop outputs this much longer/shorter.")
    max_repeats: int = Field(default=4, description="Drop outputs repeating an n-gram this often.")
    threads: int = Field(default=0, description="CPU threads for the teacher; 0 = library default.")
    engine: Literal["native", "ctranslate2"] = Field(
        default="native",
        description="Run a Hugging Face teacher as is, or converted to CTranslate2 (several "
        "times faster on CPU; same beam search).",
    )
    compute_type: str = Field(
        default="int8", description="CTranslate2 quantization when engine is ctranslate2."
    )


class VocabConfig(_Section):
    size: int = 8000
    joint: bool = True
    model_type: Literal["unigram", "bpe"] = "unigram"
    character_coverage: float = 1.0
    input_sentence_size: int = 2_000_000


class StudentConfig(_Section):
    preset: Literal["tiny", "base", "custom"] = "tiny"
    encoder_layers: int | None = None
    decoder_layers: int | None = None
    d_model: int | None = None
    ffn_dim: int | None = None
    attention_heads: int | None = None
    max_positions: int = 256

    def dims(self) -> dict[str, int]:
        """The preset's sizes with any explicit field on top (custom needs all of them)."""
        dims = dict(STUDENT_PRESETS.get(self.preset, {}))
        for key in ("encoder_layers", "decoder_layers", "d_model", "ffn_dim", "attention_heads"):
            value = getattr(self, key)
            if value is not None:
                dims[key] = value
        return dims


class TrainConfig(_Section):
    data: Literal["distilled", "references"] = Field(
        default="distilled", description="`references` trains the no-teacher baseline."
    )
    learning_rate: float = 7e-4
    warmup_steps: int = 800
    batch_tokens: int = 4096
    label_smoothing: float = 0.1
    dropout: float = 0.1
    max_epochs: int | None = 20
    max_steps: int | None = Field(
        default=None, description="The training budget: the same model on every machine."
    )
    max_minutes: float | None = Field(
        default=None,
        description="Safety stop only: hit before max_steps/max_epochs, the step fails.",
    )
    eval_every: int = Field(default=500, description="Steps between dev chrF evaluations.")
    eval_sentences: int = Field(default=500, description="Dev sentences scored each time.")
    patience: int = Field(default=5, description="Evaluations without improvement before stopping.")
    average_checkpoints: int = Field(
        default=0,
        ge=0,
        description="Average the weights of the last N evaluations; kept if better on dev.",
    )
    precision: Literal["auto", "fp32", "bf16"] = Field(
        default="auto",
        description="auto: bf16 autocast where the CPU does bf16 natively (AMX, AVX512-BF16).",
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = None
    seed: int = 1


class AugmentConfig(_Section):
    """Copies of training pairs with placeholder sentinels on both sides, so the student keeps
    placeholders and inline tags inside the sentence (model_build/placeholders.py)."""

    placeholders: float = Field(
        default=0.0, ge=0, le=1, description="Share of training pairs added again with sentinels."
    )
    max_placeholders: int = Field(
        default=3, ge=1, description="Most placeholders in one pair (a tag pair is one)."
    )
    longest_span: int = Field(default=3, ge=1, description="Most words a tag pair wraps.")
    min_dice: float = Field(
        default=0.3, gt=0, le=1, description="Least Dice for a word pair to count as aligned."
    )
    seed: int = 1


class ShortlistConfig(_Section):
    """The vocabulary map (model_build/steps/shortlist.py): which target pieces the output
    layer scores, per batch, for the source pieces in it. The defaults were chosen on val for
    the reference student: BLEU within 0.2 of the full layer, faster (docs/speed.md)."""

    enabled: bool = True
    top_k: int = Field(default=300, ge=1, description="Target pieces kept per source piece.")
    frequent: int = Field(
        default=2000, ge=0, description="Most frequent target pieces, allowed in every batch."
    )
    min_count: int = Field(
        default=1, ge=1, description="Sentence pairs a (source, target) pair must be seen in."
    )


class ConvertConfig(_Section):
    quantization: Literal["int8", "int8_float16", "int8_float32", "int8_bfloat16"] = "int8"
    max_chrf_drop: float = Field(default=1.0, description="int8 vs float student on dev.")
    check_sentences: int = 500


class EvaluateConfig(_Section):
    beam_size: int = 4
    speed_sentences: int = 200
    max_sentences: int | None = Field(default=None, description="Cap on each test set's size.")
    threads: int = Field(default=0, description="Threads for every system; 0 = all cores.")
    speed_teacher: bool = True
    baseline_bundle: str | None = Field(
        default=None, description="A bundle trained without the teacher, for the ablation."
    )


class CalibrateConfig(_Section):
    """The routing threshold and confidence calibration, measured on dev by the evaluate step."""

    enabled: bool = True
    budget: float | None = Field(
        default=None, gt=0, lt=1, description="Share of dev sentences to escalate (default 0.1)."
    )
    bleu_share: float | None = Field(
        default=None,
        gt=0,
        le=1.5,
        description="Instead of a budget: escalate the least share whose mixed BLEU reaches "
        "this share of teacher-only BLEU (against the references).",
    )
    signals: list[str] = Field(
        default_factory=lambda: ["mean_logprob"],
        min_length=1,
        description="Signals to compare on dev; the best is kept. One of: " + ", ".join(SIGNALS),
    )
    match_chrf: float = Field(
        default=60.0, ge=0, le=100, description="Sentence chrF vs the teacher counted as a match."
    )
    bins: int = Field(default=10, ge=2, description="Bins of the probability table.")
    max_sentences: int | None = Field(default=None, ge=1, description="Cap on dev sentences.")

    @model_validator(mode="after")
    def _one_target(self) -> CalibrateConfig:
        if self.budget is not None and self.bleu_share is not None:
            raise ValueError("give either `budget` or `bleu_share`, not both")
        unknown = [name for name in self.signals if name not in SIGNALS]
        if unknown:
            raise ValueError(f"unknown signal(s) {', '.join(unknown)} ({', '.join(SIGNALS)})")
        return self


class BundleConfig(_Section):
    output: str | None = Field(default=None, description="Default: <work_dir>/bundles/<src>-<tgt>")
    hardware: str | None = Field(default=None, description="Default: read from /proc/cpuinfo.")
    hardware_usd_per_hour: float = 0.0832
    price_source: str = "on-demand price of a 2 vCPU general-purpose VM, 2025"
    teacher_gpu_usd_per_hour: float = Field(
        default=1.006,
        gt=0,
        description="Price of the GPU the teacher ran on, when it ran on one (AWS g5.xlarge).",
    )
    teacher_gpu_price_source: str = (
        "AWS g5.xlarge (1x A10G) on demand, a 2026 pricing summary (secondary), read 2026-11"
    )
    report_notes: str | None = Field(
        default=None, description="Markdown appended to report.md under 'Notes'."
    )


class BuildConfig(_Section):
    name: str
    version: str = "0.1.0"
    source_lang: str = Field(min_length=2, max_length=3)
    target_lang: str = Field(min_length=2, max_length=3)
    work_dir: str
    prepare: PrepareConfig
    teacher: TeacherConfig
    distill: DistillConfig = DistillConfig()
    vocab: VocabConfig = VocabConfig()
    student: StudentConfig = StudentConfig()
    train: TrainConfig = TrainConfig()
    augment: AugmentConfig = AugmentConfig()
    shortlist: ShortlistConfig = ShortlistConfig()
    convert: ConvertConfig = ConvertConfig()
    evaluate: EvaluateConfig = EvaluateConfig()
    calibrate: CalibrateConfig = CalibrateConfig()
    bundle: BundleConfig = BundleConfig()

    @property
    def work_path(self) -> Path:
        return Path(self.work_dir)

    @property
    def output_path(self) -> Path:
        if self.bundle.output:
            return Path(self.bundle.output)
        return self.work_path / "bundles" / f"{self.source_lang}-{self.target_lang}"


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> BuildConfig:
    """Read a YAML config; every schema error is reported at once as a `ConfigError`."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"cannot read {path}: {exc}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError([f"{path}: expected a mapping at the top level"])
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value)
    try:
        return BuildConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()]
        ) from None


def parse_overrides(pairs: list[str] | None) -> dict[str, Any]:
    """`--set` pairs (`train.max_steps=100`) as `load_config` overrides; values read as YAML."""
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        result[key] = yaml.safe_load(value)
    return result


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    node = raw
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def expand(pattern: str) -> list[Path]:
    """The files a config path names: itself, or what its glob pattern matches (sorted)."""
    if glob.has_magic(pattern):
        return [Path(p) for p in sorted(glob.glob(pattern))]
    return [Path(pattern)] if Path(pattern).exists() else []
