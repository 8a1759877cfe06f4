"""Configuration of the service: one pydantic-settings class, environment prefix ``MT_``.

Built once at the entry point (`service.__main__`) or by a test, then passed down; nothing
reads the environment at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_BUNDLES = Path(__file__).resolve().parent / "bundles"


def available_cpus() -> int:
    """CPUs this process may run on (cgroup/affinity aware where the OS tells us)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class ServiceSettings(BaseSettings):
    """Every knob of the service; each field is read from ``MT_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="MT_", extra="ignore", frozen=True)

    # Network and process
    host: str = Field(default="127.0.0.1", description="Interface uvicorn binds to.")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port (0: any free port).")
    log_level: str = Field(default="info", description="Python logging level name.")
    access_log: bool = Field(default=True, description="Log one line per HTTP request.")
    drain_seconds: float = Field(
        default=0.0,
        ge=0,
        description="After SIGTERM, keep serving this long with /readyz at 503 before stopping.",
    )

    # Models
    models_dir: Path = Field(
        default=EMBEDDED_BUNDLES, description="Folder whose subfolders are bundles to serve."
    )
    compute_type: str = Field(
        default="default", description="CTranslate2 compute type; 'default' keeps the bundle's."
    )
    inter_threads: int = Field(
        default=0,
        ge=0,
        description="CTranslate2 replicas per model, each translating its own batch in "
        "parallel; 0: one per available CPU.",
    )
    intra_threads: PositiveInt = Field(
        default=1,
        description="Threads inside one replica's batch. Small models lose from more: on a "
        "2-vCPU node, 2 made the default bundle 3x slower than 1.",
    )
    beam_size: PositiveInt | None = Field(
        default=None, description="Override the bundle's beam size (1: greedy, fastest)."
    )
    repetition_penalty: float = Field(
        default=1.0, ge=1.0, description="CTranslate2 repetition penalty (1.0: off)."
    )
    no_repeat_ngram_size: int = Field(
        default=0, ge=0, description="Forbid repeating n-grams of this size (0: off)."
    )
    max_decoding_length: PositiveInt = Field(
        default=512, description="Hard cap on target tokens per sentence."
    )

    long_sentence_factor: float = Field(
        default=1.0,
        ge=0,
        description="Sentences longer than this many times the bundle's 99th-percentile "
        "training sentence are cut at clause boundaries before translation (0: only at the "
        "model's limit).",
    )

    # Dispatcher
    batching: bool = Field(
        default=True, description="Merge sentences of concurrent requests into shared batches."
    )
    batch_max_tokens: PositiveInt = Field(
        default=256,
        description="Token budget (source tokens) of one CTranslate2 batch; small enough that "
        "concurrent requests spread over every replica.",
    )
    max_batch_wait_ms: float = Field(
        default=5.0,
        ge=0,
        description="Longest wait for the requests expected from the last round once the "
        "queue runs dry (0: never wait).",
    )
    queue_size: PositiveInt = Field(
        default=256, description="Requests that may wait per model; more get 429."
    )
    max_queue_wait_ms: float = Field(
        default=1000.0,
        ge=0,
        description="Refuse (429) a request when the work already admitted would take longer "
        "than this at the measured speed, so accepted requests stay fast under overload "
        "(0: only the queue size bounds).",
    )
    retry_after_seconds: PositiveInt = Field(
        default=1, description="Retry-After sent with 429 when the queue is full."
    )
    cache_size: int = Field(
        default=10_000, ge=0, description="Sentences kept in the LRU cache per model (0: off)."
    )
    cache_max_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="Bytes of text the sentence cache of one model may hold (0: unbounded).",
    )

    # Memory
    malloc_arenas: int = Field(
        default=2,
        ge=0,
        description="glibc malloc arenas (0: glibc's default, 8 per core); fewer keep freed "
        "memory from piling up per thread.",
    )
    memory_trim_seconds: float = Field(
        default=10.0,
        ge=0,
        description="Return free heap memory to the OS this often (malloc_trim; 0: never).",
    )

    # Limits
    max_body_bytes: PositiveInt = Field(
        default=1_048_576, description="Largest request body accepted, counted as received."
    )
    max_chars_per_request: PositiveInt = Field(
        default=50_000, description="Characters of text, all texts together, per request."
    )
    max_texts_per_request: PositiveInt = Field(default=50, description="Texts per request.")

    def resolved_inter_threads(self) -> int:
        return self.inter_threads or available_cpus()


def invalid_settings_message(error: ValidationError) -> str:
    """One line per bad variable, named as the operator set it (``MT_UI: Input should be a valid
    boolean``), never its value: a secret setting must not reach the log."""
    prefix = _env_prefix(error.title)
    return "; ".join(
        f"{prefix}{'_'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}"
        for problem in error.errors()
    )


def _env_prefix(settings_class_name: str) -> str:
    """The env prefix of the settings class a ValidationError names (``MT_`` when unknown)."""
    pending = list(BaseSettings.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.__name__ == settings_class_name:
            return str(cls.model_config.get("env_prefix", ""))
        pending += cls.__subclasses__()
    return "MT_"
