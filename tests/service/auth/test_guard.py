"""The key check on its own: one answer for bad keys, the bad-key limit per address, the
per-minute rate, the quota per period, and what a key's usage says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from service.auth.errors import InvalidKeyError, KeyRateLimitError
from service.auth.guard import KeyGuard
from service.auth.metrics import AuthMetrics
from service.auth.store import KeyStore, SqliteKeyStore
from service.errors import QuotaExceededError
from service.pipeline import Usage
from tests.service.auth.conftest import record


class Clock:
    """Time the test moves (the store's own TTLs still run on real time)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 31, 23, 58, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sqlite(tmp_path: Path) -> KeyStore:
    return SqliteKeyStore(tmp_path / "keys.sqlite3")


def guard_of(store: KeyStore, clock: Clock, bad_keys_per_minute: int = 3) -> KeyGuard:
    return KeyGuard(store, AuthMetrics(CollectorRegistry()), bad_keys_per_minute, clock)


def usage(characters: int) -> Usage:
    return Usage(characters, 0, 0, student_cost_usd=0.001, teacher_cost_usd={"deepl": 0.5})


def test_unknown_revoked_and_missing_keys_get_the_same_answer(
    sqlite: KeyStore, clock: Clock
) -> None:
    guard = guard_of(sqlite, clock, bad_keys_per_minute=10)
    sqlite.add(record("gone", "mt_gone"))
    sqlite.revoke("gone")
    answers = []
    for presented in ("mt_unknown", "mt_gone", None, ""):
        with pytest.raises(InvalidKeyError) as error:
            guard.admit(presented, "10.0.0.1", translating=True)
        answers.append((error.value.status_code, error.value.message))
    assert len(set(answers)) == 1


def test_a_burst_of_bad_keys_is_refused_per_address_until_the_next_minute(
    sqlite: KeyStore, clock: Clock
) -> None:
    guard = guard_of(sqlite, clock, bad_keys_per_minute=3)
    sqlite.add(record("team", "mt_good"))
    for _ in range(3):
        with pytest.raises(InvalidKeyError):
            guard.admit("mt_guess", "10.0.0.1", translating=False)
    with pytest.raises(KeyRateLimitError) as limited:
        guard.admit("mt_good", "10.0.0.1", translating=False)  # even a good key, from there
    assert limited.value.headers == {"Retry-After": "30"}  # 23:58:30 -> 23:59:00
    assert guard.admit("mt_good", "10.0.0.2", translating=False).name == "team"
    clock.now += timedelta(seconds=30)
    assert guard.admit("mt_good", "10.0.0.1", translating=False).name == "team"


def test_a_key_over_its_requests_a_minute_gets_retry_after(sqlite: KeyStore, clock: Clock) -> None:
    guard = guard_of(sqlite, clock)
    sqlite.add(record("team", "mt_good", per_minute=2))
    guard.admit("mt_good", "10.0.0.1", translating=False)
    guard.admit("mt_good", "10.0.0.1", translating=False)
    with pytest.raises(KeyRateLimitError, match="over 2 requests a minute") as limited:
        guard.admit("mt_good", "10.0.0.1", translating=False)
    assert limited.value.status_code == 429 and limited.value.headers["Retry-After"] == "30"


def test_a_translation_that_would_pass_the_quota_is_refused_and_not_charged(
    sqlite: KeyStore, clock: Clock
) -> None:
    guard = guard_of(sqlite, clock)
    sqlite.add(record("team", "mt_good", characters=100))
    key = guard.admit("mt_good", "10.0.0.1", translating=True)
    guard.charge(key, usage(60))
    with pytest.raises(
        QuotaExceededError, match=r"2026-12 is spent \(100 characters\); this request has 41"
    ):
        guard.charge(key, usage(41))
    guard.charge(key, usage(40))  # exactly the quota
    assert guard.usage(key).character_count == 100
    with pytest.raises(QuotaExceededError):  # spent: refused before translating
        guard.admit("mt_good", "10.0.0.1", translating=True)
    assert guard.admit("mt_good", "10.0.0.1", translating=False).name == "team"  # /v2/usage


def test_the_quota_starts_again_with_the_next_period(sqlite: KeyStore, clock: Clock) -> None:
    guard = guard_of(sqlite, clock)
    sqlite.add(record("team", "mt_good", characters=10))
    key = guard.admit("mt_good", "10.0.0.1", translating=True)
    guard.charge(key, usage(10))
    clock.now += timedelta(minutes=2)  # 2027-01-01
    assert guard.usage(key).period == "2027-01"
    assert guard.usage(key).character_count == 0
    guard.charge(key, usage(10))


def test_usage_has_requests_characters_and_both_costs(sqlite: KeyStore, clock: Clock) -> None:
    guard = guard_of(sqlite, clock)
    sqlite.add(record("team", "mt_good", per_minute=60, characters=1000))
    key = guard.admit("mt_good", "10.0.0.1", translating=True)
    guard.charge(key, usage(30))
    guard.admit("mt_good", "10.0.0.1", translating=False)
    figures = guard.usage(key)
    assert (figures.requests, figures.characters, figures.character_count) == (2, 30, 30)
    assert (figures.character_limit, figures.per_minute) == (1000, 60)
    assert figures.student_cost_usd == pytest.approx(0.001)
    assert figures.teacher_cost_usd == {"deepl": pytest.approx(0.5)}
