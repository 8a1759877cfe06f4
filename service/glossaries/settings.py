"""Settings of glossaries (env prefix ``MT_GLOSSARY_``), built once at the entry point."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEEPL_MAX_GLOSSARY_BYTES = 10 * 1024 * 1024
"""DeepL's limit per glossary (10 MiB of entries)."""


class GlossarySettings(BaseSettings):
    """Limits and store of ``/v2/glossaries`` and of the glossaries translations use."""

    model_config = SettingsConfigDict(env_prefix="MT_GLOSSARY_", extra="ignore")

    max_glossaries: int = Field(default=1000, gt=0, description="glossaries kept, all together")
    max_entries: int = Field(default=100_000, gt=0, description="entries of one glossary")
    max_bytes: int = Field(
        default=DEEPL_MAX_GLOSSARY_BYTES, gt=0, description="UTF-8 bytes of one glossary's entries"
    )
    max_total_bytes: int = Field(
        default=256 * 1024 * 1024, gt=0, description="UTF-8 bytes of every glossary together"
    )
    max_inline_entries: int = Field(
        default=1000, gt=0, description="entries of an inline glossary on /v1/translate"
    )
    matcher_cache_size: int = Field(
        default=64, ge=0, description="compiled glossaries kept per process"
    )
    redis_url: str | None = Field(
        default=None, description="shared store; this process's memory when unset"
    )
    redis_prefix: str = "mtgloss:"
