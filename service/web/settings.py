"""Settings of the web page (env prefix ``MT_``: ``MT_UI``, ``MT_UI_...``), built in the app
factory like the other parts' settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """Whether the service serves its page at ``/``, and how the page behaves."""

    model_config = SettingsConfigDict(env_prefix="MT_", extra="ignore", frozen=True)

    ui: bool = Field(
        default=True, description="Serve the web page at / (false: nothing there, API only)."
    )
    ui_debounce_ms: int = Field(
        default=600,
        ge=0,
        le=10_000,
        description="Pause in typing after which the page translates (0: only on the button).",
    )
