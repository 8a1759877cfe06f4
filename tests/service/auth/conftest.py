"""Key tests run each store against a real backend: a SQLite file and a real redis-server (the
fixture of the document job tests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.auth.keys import KeyRecord, hash_key
from service.auth.store import KeyStore, RedisKeyStore, SqliteKeyStore
from tests.service.documents.test_jobs import redis_url

__all__ = ["redis_url"]

_PREFIXES = iter(range(10**6))


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyStore]:
    opened: KeyStore
    if request.param == "sqlite":
        opened = SqliteKeyStore(tmp_path / "keys.sqlite3")
    else:
        url = request.getfixturevalue("redis_url")
        opened = RedisKeyStore(url, f"test{next(_PREFIXES)}:")  # a fresh namespace per test
    yield opened
    opened.close()


def record(name: str, key: str, per_minute: int = 0, characters: int = 0) -> KeyRecord:
    return KeyRecord(
        name=name,
        key_hash=hash_key(key),
        per_minute=per_minute,
        characters=characters,
        created=datetime(2026, 12, 1, tzinfo=UTC).isoformat(),
    )
