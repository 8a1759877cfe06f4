"""API keys: made high-entropy, kept only as their SHA-256, compared in constant time.

A key is ``mt_`` and 43 URL-safe characters (256 random bits); with that much entropy a plain
SHA-256 is as safe to store as a slow password hash, and fast enough to check per request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

KEY_PREFIX = "mt_"
Period = Literal["day", "month"]


class KeyRecord(BaseModel):
    """What the store keeps of one key: never the key itself."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    key_hash: str
    per_minute: int = Field(ge=0, description="requests a minute; 0: no limit")
    characters: int = Field(ge=0, description="characters a period; 0: no quota")
    period: Period = "month"
    created: str
    revoked: bool = False


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def same_hash(stored: str, presented: str) -> bool:
    """Constant time, so the time of a comparison says nothing about the stored hash."""
    return hmac.compare_digest(stored.encode(), presented.encode())


def now_utc() -> datetime:
    return datetime.now(UTC)


def period_id(period: Period, at: datetime) -> str:
    """The quota period ``at`` falls in (UTC): ``2026-12`` or ``2026-12-01``."""
    return at.strftime("%Y-%m") if period == "month" else at.strftime("%Y-%m-%d")


def period_seconds(period: Period) -> int:
    """How long a period's counter is kept: a little over the longest period."""
    return 32 * 86400 if period == "month" else 2 * 86400
