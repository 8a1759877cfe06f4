"""Settings of API keys (env prefix ``MT_AUTH_``), built once at the entry point.

Off by default, so the quick start stays keyless. On, every ``/v1`` and ``/v2`` route needs a
key; the keys live in ``MT_AUTH_REDIS_URL`` (every replica) or in the SQLite file
``MT_AUTH_FILE`` (one instance).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MT_AUTH_", extra="ignore")

    enabled: bool = Field(default=False, description="every /v1 and /v2 route needs a key")
    file: Path = Field(default=Path("mt-keys.sqlite3"), description="SQLite store of one instance")
    redis_url: str | None = Field(default=None, description="shared store; MT_AUTH_FILE when unset")
    redis_prefix: str = "mtauth:"
    admin_key: SecretStr | None = Field(
        default=None, description="Bearer key of /v1/admin/usage; the route is refused when unset"
    )
    bad_keys_per_minute: int = Field(
        default=10, ge=1, description="missing or wrong keys one client address may send a minute"
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses whose X-Forwarded-For names the client (comma-separated)",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"MT_AUTH_TRUSTED_PROXIES: {entry!r} is not an address or CIDR range"
                ) from None
        return value
