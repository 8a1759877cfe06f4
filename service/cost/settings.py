"""Configuration of cost accounting: one pydantic-settings class, environment prefix ``MT_COST_``.

Built by `load_cost_settings` at start-up (`service.app.build_app`), never at import time. A bad
value raises `PriceConfigError`, whose message names the environment variable to fix.
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "MT_COST_"

# What a user compares against today: the two translation APIs, one current OpenAI model and
# its small sibling, and the bundle's own teacher.
DEFAULT_TEACHERS = "local,deepl,google,gpt-5,gpt-5-mini"


class PriceConfigError(ValueError):
    """A price or cost setting is wrong; the message starts with the variable's name."""


class PriceOverride(BaseModel):
    """One teacher's price list entry in ``MT_COST_PRICES`` (replaces or adds to the built-in)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    usd_per_million_characters: float | None = Field(default=None, ge=0)
    usd_per_million_input_tokens: float | None = Field(default=None, ge=0)
    usd_per_million_output_tokens: float | None = Field(default=None, ge=0)
    source: str = Field(default="MT_COST_PRICES", min_length=1)
    date: str = Field(default="unknown", min_length=1)


class CostSettings(BaseSettings):
    """Prices, attribution and shadow mode; each field is read from ``MT_COST_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # Student
    vcpu_usd_per_hour: float = Field(
        default=0.044625,
        gt=0,
        description="Price of one vCPU-hour (AWS c7i.large on-demand, us-east-1: $0.08925/h "
        "for 2 vCPU).",
    )
    vcpu_price_source: str = Field(
        default="AWS price list (secondary), c7i.large on demand, us-east-1, Linux",
        min_length=1,
        description="Where the vCPU price comes from (exported in mt_vcpu_price_info).",
    )
    vcpu_price_date: str = Field(
        default="2026-10", min_length=1, description="When the vCPU price was read."
    )
    cpu_window: Literal["interval", "batch"] = Field(
        default="interval",
        description="'interval': all process CPU since the previous batch is attributed (HTTP "
        "work, idle OpenMP spin included); 'batch': only CPU inside the CTranslate2 call.",
    )

    # Teachers
    teachers: str = Field(
        default=DEFAULT_TEACHERS,
        description="Comma-separated teachers priced per request (values of label 'teacher').",
    )
    prices: dict[str, PriceOverride] = Field(
        default_factory=dict,
        description="JSON: teacher -> price entry, replacing or adding to the built-in list.",
    )

    litellm_prices: str = Field(
        default="",
        description="Path to a LiteLLM model_prices_and_context_window.json (read at start-up, "
        "never downloaded); its entries replace the built-in ones, MT_COST_PRICES wins.",
    )
    litellm_prices_date: str = Field(
        default="",
        description="When that file's prices were read (YYYY-MM[-DD]); empty: the file's "
        "modification date.",
    )
    price_max_age_days: PositiveInt = Field(
        default=365,
        description="A price read longer ago logs a warning at start-up (mt_price_age_days).",
    )

    # The local teacher in production
    local_teacher_hardware: str = Field(
        default="",
        description="What the local teacher would run on in production, e.g. 'AWS g5.xlarge "
        "(1x A10G)'; empty: priced on the hardware the bundle's baseline was measured on.",
    )
    local_teacher_usd_per_hour: float | None = Field(
        default=None, gt=0, description="Price of one hour of that hardware."
    )
    local_teacher_seconds_per_1k_tokens: float | None = Field(
        default=None,
        gt=0,
        description="The teacher's speed there; unset: the bundle's measured speed (warned "
        "when it was measured on other hardware).",
    )
    local_teacher_price_source: str = Field(
        default="MT_COST_LOCAL_TEACHER_USD_PER_HOUR",
        min_length=1,
        description="Where that hardware price comes from.",
    )
    local_teacher_price_date: str = Field(
        default="unknown", min_length=1, description="When that hardware price was read."
    )

    # Shadow mode
    shadow_url: str = Field(
        default="",
        description="Base URL of a real teacher: this service's API (protocol 'mt') or an "
        "OpenAI-compatible API ending in /v1 (protocol 'openai'). Empty: shadow mode off.",
    )
    shadow_protocol: Literal["mt", "openai"] = Field(
        default="mt", description="'mt': POST /v1/translate; 'openai': POST /chat/completions."
    )
    shadow_model: str = Field(
        default="", description="Chat model name sent with protocol 'openai' (and priced)."
    )
    shadow_api_key: SecretStr | None = Field(
        default=None, description="Bearer token for the shadow teacher; never logged."
    )
    shadow_fraction: float = Field(
        default=0.0, ge=0, le=1, description="Share of requests also sent to the teacher."
    )
    shadow_max_in_flight: PositiveInt = Field(
        default=4, description="Shadow calls at once; a sampled request beyond is dropped."
    )
    shadow_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Time limit of one shadow call."
    )
    shadow_name: str = Field(
        default="shadow",
        min_length=1,
        max_length=40,
        description="Value of label 'teacher' on the shadow metrics.",
    )

    @model_validator(mode="after")
    def _production_hardware_has_a_price(self) -> CostSettings:
        if bool(self.local_teacher_hardware) != (self.local_teacher_usd_per_hour is not None):
            raise ValueError(
                "MT_COST_LOCAL_TEACHER_HARDWARE and MT_COST_LOCAL_TEACHER_USD_PER_HOUR go together"
            )
        return self

    def teacher_names(self) -> list[str]:
        return [name.strip() for name in self.teachers.split(",") if name.strip()]

    @property
    def shadow_enabled(self) -> bool:
        return bool(self.shadow_url) and self.shadow_fraction > 0


def variable_name(location: tuple[int | str, ...]) -> str:
    """``("prices", "gpt-4o", "source")`` -> ``MT_COST_PRICES (gpt-4o.source)``."""
    if not location:
        return f"{ENV_PREFIX}*"
    name = f"{ENV_PREFIX}{str(location[0]).upper()}"
    rest = ".".join(str(part) for part in location[1:])
    return f"{name} ({rest})" if rest else name


def load_cost_settings(**overrides: object) -> CostSettings:
    """Read ``MT_COST_`` variables; raise `PriceConfigError` naming the first bad variable."""
    try:
        return CostSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        if not first["loc"]:  # a check across fields names its variables itself
            raise PriceConfigError(first["msg"].removeprefix("Value error, ")) from None
        raise PriceConfigError(f"{variable_name(tuple(first['loc']))}: {first['msg']}") from None
    except ValueError as error:  # a JSON value that does not parse
        raise PriceConfigError(f"{ENV_PREFIX}PRICES: {error}") from None
