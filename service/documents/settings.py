"""Settings of document translation (env prefix ``MT_DOC_``), built once at the entry point."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DocumentSettings(BaseSettings):
    """Limits, worker pool and job store of ``/v1/documents`` and ``/v2/document``."""

    model_config = SettingsConfigDict(env_prefix="MT_DOC_", extra="ignore")

    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, gt=0, description="received bytes per upload"
    )
    max_characters: int = Field(
        default=1_000_000, gt=0, description="extracted characters per document"
    )
    time_budget_s: float = Field(default=600.0, gt=0, description="wall time per document")
    direct_max_characters: int = Field(
        default=5_000,
        ge=0,
        description="documents up to this many characters are answered directly",
    )
    zip_max_entries: int = Field(default=5_000, gt=0)
    zip_max_uncompressed_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    zip_max_ratio: float = Field(
        default=200.0, gt=1, description="max uncompressed/compressed per entry"
    )
    xml_max_depth: int = Field(default=256, gt=0)
    xml_max_elements: int = Field(
        default=500_000, gt=0, description="XML elements of a document, all its parts together"
    )
    html_max_tokens: int = Field(
        default=300_000, gt=0, description="tags, texts and comments of an HTML page"
    )
    text_max_lines: int = Field(
        default=100_000, gt=0, description="lines of a text document (txt, Markdown, SRT, VTT, PO)"
    )
    pdf_max_pages: int = Field(default=500, gt=0, description="pages of a PDF")
    pdf_max_objects: int = Field(default=200_000, gt=0, description="objects of a PDF")
    pdf_max_stream_bytes: int = Field(
        default=16 * 1024 * 1024, gt=0, description="decoded bytes of one PDF stream"
    )
    existing_translations: Literal["keep", "overwrite"] = Field(
        default="keep",
        description="XLIFF targets and PO msgstrs a translator already wrote: kept, or replaced",
    )
    workers: int = Field(default=2, gt=0, description="threads translating documents")
    max_queued_jobs: int = Field(
        default=32, gt=0, description="jobs waiting or running, per replica"
    )
    max_held_bytes: int = Field(
        default=128 * 1024 * 1024,
        gt=0,
        description="uploads of queued jobs and results kept in this process, together",
    )
    batch_segments: int = Field(default=32, gt=0, description="segments per translator call")
    result_ttl_s: float = Field(
        default=3600.0, gt=0, description="how long jobs and results are kept"
    )
    stale_after_s: float = Field(
        default=900.0,
        gt=0,
        description="a running job not updated for this long is reported failed",
    )
    redis_url: str | None = Field(
        default=None, description="shared job store; local memory when unset"
    )
    redis_prefix: str = "mtdoc:"

    @model_validator(mode="after")
    def _one_upload_fits(self) -> DocumentSettings:
        """Below one upload, a document would get 429 for ever: refused at start-up."""
        if self.max_held_bytes < self.max_upload_bytes:
            raise ValueError(
                f"MT_DOC_MAX_HELD_BYTES ({self.max_held_bytes}) is below "
                f"MT_DOC_MAX_UPLOAD_BYTES ({self.max_upload_bytes}): no upload could be held"
            )
        return self
