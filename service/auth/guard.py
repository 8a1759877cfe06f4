"""The key check, without FastAPI: admit a request by its key, charge a translation's
characters to the key's quota, report per-key usage.

Order of a request's checks: the client address's bad keys this minute (so a burst of guesses
is refused before any lookup), the key (by its SHA-256; missing, unknown and revoked are one
answer), the key's requests this minute, and on translation routes whether its quota is spent
already. A translation's characters are charged after it ran (the characters are known then),
atomically against the quota: the one that would go over is refused with 456/429, so a quota
is never passed, at the cost of the refused request's CPU.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import ParamSpec, TypeVar

from pydantic import BaseModel

from service.auth.errors import InvalidKeyError, KeyRateLimitError, KeyStoreUnavailableError
from service.auth.keys import KeyRecord, hash_key, now_utc, period_id, period_seconds, same_hash
from service.auth.metrics import AuthMetrics
from service.auth.store import STORE_ERRORS, KeyStore
from service.engine.registry import LoadedModel
from service.errors import QuotaExceededError
from service.pipeline import Usage

T = TypeVar("T")
P = ParamSpec("P")
logger = logging.getLogger(__name__)

CURRENT_KEY: ContextVar[KeyRecord | None] = ContextVar("mt_current_key", default=None)
"""The key of the request being served (set by the middleware, read by the usage listener)."""

_MINUTE = 60
_INVALID = "a valid API key is needed (missing, unknown or revoked)"


def _store_answers(method: Callable[P, T]) -> Callable[P, T]:
    """A store that cannot answer is a 503 (KeyStoreUnavailableError), with one log line."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except STORE_ERRORS as error:
            logger.error("key store unavailable: %s: %s", type(error).__name__, error)
            raise KeyStoreUnavailableError("the key store is unavailable; retry later") from None

    return guarded


class KeyUsage(BaseModel):
    """One key's figures: this period's characters against its quota, and totals to date."""

    name: str
    revoked: bool
    period: str
    character_count: int
    character_limit: int | None
    per_minute: int | None
    requests: int
    characters: int
    student_cost_usd: float
    teacher_cost_usd: dict[str, float]


class KeyGuard:
    """Every method blocks on the store (a SQLite file or a Redis round trip)."""

    def __init__(
        self,
        store: KeyStore,
        metrics: AuthMetrics,
        bad_keys_per_minute: int,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.bad_keys_per_minute = bad_keys_per_minute
        self.clock = clock

    @_store_answers
    def admit(self, presented: str | None, client: str, translating: bool) -> KeyRecord:
        """The presented key's record, or the refusal (InvalidKeyError, KeyRateLimitError,
        QuotaExceededError when ``translating`` and the quota is spent)."""
        record = self.check_key(presented, client)
        if record.per_minute and self._over(
            f"rate:{record.name}:{self._minute()}", 1, record.per_minute
        ):
            self.metrics.refused.labels("rate").inc()
            raise KeyRateLimitError(
                f"over {record.per_minute} requests a minute for this key",
                self._seconds_to_next_minute(),
            )
        if translating and record.characters and self._spent(record) >= record.characters:
            self.metrics.refused.labels("quota").inc()
            raise self._quota_error(record)
        self.store.add_usage(record.name, {"requests": 1})
        self.metrics.requests.labels(record.name).inc()
        return record

    def check_key(self, presented: str | None, client: str) -> KeyRecord:
        """The key's record; a client address over its bad keys a minute is refused first."""

        def valid(digest: str) -> KeyRecord | None:
            record = self.store.find(digest)
            return record if record is not None and same_hash(record.key_hash, digest) else None

        return self._checked(presented, client, valid, _INVALID)

    @_store_answers
    def check_admin(self, presented: str | None, client: str, admin_hash: str | None) -> None:
        """As a key, the admin key (``admin_hash`` None: every try is a bad key)."""

        def valid(digest: str) -> bool | None:
            return True if admin_hash is not None and same_hash(admin_hash, digest) else None

        self._checked(presented, client, valid, "a valid admin key is needed (MT_AUTH_ADMIN_KEY)")

    def _checked(
        self, presented: str | None, client: str, valid: Callable[[str], T | None], refusal: str
    ) -> T:
        bad = f"bad:{client}:{self._minute()}"
        if self._over(bad, 0, self.bad_keys_per_minute - 1):
            self.metrics.refused.labels("bad_key_rate").inc()
            raise KeyRateLimitError(
                "too many invalid API keys from this address", self._seconds_to_next_minute()
            )
        found = valid(hash_key(presented)) if presented else None
        if found is None:
            self.store.count(bad, 1, 2 * _MINUTE, None)
            self.metrics.refused.labels("bad_key").inc()
            raise InvalidKeyError(refusal)
        return found

    @_store_answers
    def charge(self, record: KeyRecord, usage: Usage) -> None:
        """Spend the translation's characters (QuotaExceededError when that would pass the
        quota), then add them and their costs to the key's usage."""
        quota = self._quota_counter(record)
        ttl = period_seconds(record.period)
        if record.characters and self._over(quota, usage.characters, record.characters, ttl):
            self.metrics.refused.labels("quota").inc()
            raise self._quota_error(record, usage.characters)
        teacher = {f"teacher_cost_usd:{t}": cost for t, cost in usage.teacher_cost_usd.items()}
        amounts = {
            "characters": float(usage.characters),
            "student_cost_usd": usage.blended_cost_usd,
        }
        self.store.add_usage(record.name, amounts | teacher)
        self.metrics.characters.labels(record.name).inc(usage.characters)
        self.metrics.student_cost.labels(record.name).inc(usage.blended_cost_usd)
        for name, cost in usage.teacher_cost_usd.items():
            self.metrics.teacher_cost.labels(record.name, name).inc(cost)

    def observe_usage(self, model: LoadedModel, usage: Usage) -> None:
        """Pipeline usage listener: charges the request's key (none: not a keyed request)."""
        record = CURRENT_KEY.get()
        if record is not None:
            self.charge(record, usage)

    @_store_answers
    def usage(self, record: KeyRecord) -> KeyUsage:
        totals = self.store.usage(record.name)
        teacher = {
            field.split(":", 1)[1]: value
            for field, value in totals.items()
            if field.startswith("teacher_cost_usd:")
        }
        return KeyUsage(
            name=record.name,
            revoked=record.revoked,
            period=period_id(record.period, self.clock()),
            character_count=self._spent(record),
            character_limit=record.characters or None,
            per_minute=record.per_minute or None,
            requests=int(totals.get("requests", 0)),
            characters=int(totals.get("characters", 0)),
            student_cost_usd=totals.get("student_cost_usd", 0.0),
            teacher_cost_usd=teacher,
        )

    @_store_answers
    def all_usage(self) -> list[KeyUsage]:
        return [self.usage(record) for record in self.store.all()]

    def _quota_counter(self, record: KeyRecord) -> str:
        return f"quota:{record.name}:{period_id(record.period, self.clock())}"

    def _spent(self, record: KeyRecord) -> int:
        return self.store.count(self._quota_counter(record), 0, 1, None) or 0

    def _over(self, counter: str, amount: int, limit: int, ttl_s: int = 2 * _MINUTE) -> bool:
        """Whether adding ``amount`` would pass ``limit`` (else it is added)."""
        return self.store.count(counter, amount, ttl_s, limit) is None

    def _quota_error(self, record: KeyRecord, asked: int | None = None) -> QuotaExceededError:
        period = period_id(record.period, self.clock())
        asked_part = f"; this request has {asked}" if asked is not None else ""
        return QuotaExceededError(
            f"the character quota of this key for {period} is spent "
            f"({record.characters} characters){asked_part}"
        )

    def _minute(self) -> int:
        return int(self.clock().timestamp() // _MINUTE)

    def _seconds_to_next_minute(self) -> int:
        return max(1, math.ceil(_MINUTE - self.clock().timestamp() % _MINUTE))
