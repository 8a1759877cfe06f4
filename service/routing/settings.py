"""Configuration of routing and escalation: one pydantic-settings class, prefix ``MT_ROUTING_``.

Built by `load_routing_settings` at start-up (`service.app.build_app`); a bad value raises
`RoutingConfigError`, whose message names the variable to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "MT_ROUTING_"

Mode = Literal["off", "flag", "escalate"]
Protocol = Literal["bundle", "mt", "openai", "deepl"]


class RoutingConfigError(ValueError):
    """A routing setting is wrong; the message starts with the variable's name."""


class RoutingSettings(BaseSettings):
    """Each field is read from ``MT_ROUTING_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    mode: Mode = Field(
        default="flag",
        description="'off': no checks; 'flag': low-confidence sentences are flagged in the "
        "answer; 'escalate': they are also sent to the teacher.",
    )

    # The teacher
    teacher_protocol: Protocol = Field(
        default="bundle",
        description="'bundle': teacher bundles in MT_ROUTING_TEACHER_DIR, served in-process; "
        "'mt': another instance of this service; 'openai': a chat endpoint; 'deepl': a "
        "DeepL-compatible API.",
    )
    teacher_dir: Path | None = Field(
        default=None, description="Folder whose subfolders are teacher bundles ('bundle')."
    )
    teacher_url: str = Field(
        default="",
        description="Base URL of a remote teacher ('mt', 'deepl'; 'openai': ends in /v1).",
    )
    teacher_model: str = Field(
        default="", description="Chat model sent with 'openai'; must have token prices."
    )
    teacher_api_key: SecretStr | None = Field(
        default=None, description="API key of the remote teacher; never logged."
    )
    teacher_price: str = Field(
        default="",
        description="Price list entry (MT_COST_PRICES or built-in) of the teacher: 'deepl' "
        "gets 'deepl', 'openai' its model by default.",
    )
    teacher_name: str = Field(
        default="teacher",
        min_length=1,
        max_length=40,
        description="Value of label 'teacher' on the escalation metrics.",
    )
    timeout_seconds: float = Field(
        default=5.0, gt=0, description="Time limit of one teacher call, all of it."
    )

    teacher_memory_size: int = Field(
        default=10_000,
        ge=0,
        description="The teacher's answers kept per process (an LRU of sentences): a repeat "
        "is answered from it, at no cost and outside the budget; 0: every repeat is a call.",
    )

    # The budget
    max_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Most sentences escalated among the last MT_ROUTING_WINDOW_SENTENCES.",
    )
    window_sentences: PositiveInt = Field(
        default=1000, description="Sliding window (translated sentences) the share is kept over."
    )
    max_in_flight: PositiveInt = Field(
        default=4, description="Teacher calls at once; a request beyond keeps the student's."
    )

    # The flywheel
    capture: bool = Field(
        default=False,
        description="Store low-confidence source sentences (and the teacher's translation) "
        "for the next build. Off by default (docs/cascade.md, privacy).",
    )
    capture_dir: Path | None = Field(
        default=None, description="Folder of the rotating capture files (capture on)."
    )
    capture_redis_url: str = Field(
        default="", description="Redis instead of a folder (a list per direction)."
    )
    capture_max_records: PositiveInt = Field(
        default=100_000, description="Records kept in all; the oldest go first."
    )
    capture_ttl_days: float = Field(
        default=30, gt=0, description="Records older than this are deleted."
    )

    @property
    def escalating(self) -> bool:
        return self.mode == "escalate"


def variable_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def _check_teacher(settings: RoutingSettings) -> None:
    """What one field cannot say alone: the teacher each protocol needs."""
    if not settings.escalating:
        return
    protocol = settings.teacher_protocol
    if protocol == "bundle" and settings.teacher_dir is None:
        raise RoutingConfigError(f"{variable_name('teacher_dir')}: required by 'bundle'")
    if protocol != "bundle" and not settings.teacher_url.startswith(("http://", "https://")):
        raise RoutingConfigError(
            f"{variable_name('teacher_url')}: an http(s) URL is required by {protocol!r}"
        )
    if protocol == "openai" and not settings.teacher_model:
        raise RoutingConfigError(f"{variable_name('teacher_model')}: required by 'openai'")


def _check_capture(settings: RoutingSettings) -> None:
    if settings.capture and settings.capture_dir is None and not settings.capture_redis_url:
        raise RoutingConfigError(
            f"{variable_name('capture_dir')}: a folder (or {variable_name('capture_redis_url')}) "
            "is required when capture is on"
        )


def load_routing_settings(**overrides: object) -> RoutingSettings:
    """Read ``MT_ROUTING_`` variables; raise `RoutingConfigError` naming the bad variable."""
    try:
        settings = RoutingSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        raise RoutingConfigError(f"{variable_name(str(first['loc'][0]))}: {first['msg']}") from None
    _check_teacher(settings)
    _check_capture(settings)
    return settings
