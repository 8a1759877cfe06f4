"""Where keys and their counters live: :class:`SqliteKeyStore` (one instance, a local file
the CLI and the service share) or :class:`RedisKeyStore` (every replica sees the same keys,
rates and quotas).

Both keep key records (the hash, never the key), counters that expire (requests a minute,
characters a period, bad keys a minute per client address) and per-key usage totals. A counter
adds only while it stays within its limit, atomically (a SQLite immediate transaction, a Redis
script), so two replicas cannot both spend the last characters of a quota.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

from redis.exceptions import RedisError

from service.auth.keys import KeyRecord
from service.auth.settings import AuthSettings

STORE_ERRORS = (sqlite3.Error, RedisError, OSError)
"""What a store raises when it cannot answer (a locked or unreadable file, Redis away)."""


class KeyExistsError(Exception):
    """Names are unique for ever (usage is kept by name), revoked ones included."""


class KeyStore(Protocol):
    """Implementations are thread-safe; calls block (run them off the event loop)."""

    def add(self, record: KeyRecord) -> None: ...
    def find(self, key_hash: str) -> KeyRecord | None: ...
    def all(self) -> list[KeyRecord]: ...
    def revoke(self, name: str) -> bool: ...
    def count(self, counter: str, amount: int, ttl_s: int, limit: int | None) -> int | None:
        """Add ``amount`` unless the sum would pass ``limit``; the sum, or None if refused."""
        ...

    def add_usage(self, name: str, amounts: dict[str, float]) -> None: ...
    def usage(self, name: str) -> dict[str, float]: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    name TEXT PRIMARY KEY, key_hash TEXT UNIQUE NOT NULL, record TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER, expires REAL);
CREATE INDEX IF NOT EXISTS counters_expires ON counters (expires);
CREATE TABLE IF NOT EXISTS usage (
    name TEXT, field TEXT, value REAL NOT NULL, PRIMARY KEY (name, field));
"""


class SqliteKeyStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def add(self, record: KeyRecord) -> None:
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO keys (name, key_hash, record) VALUES (?, ?, ?)",
                    (record.name, record.key_hash, record.model_dump_json()),
                )
        except sqlite3.IntegrityError:
            raise KeyExistsError(f"a key named {record.name!r} exists already") from None

    def find(self, key_hash: str) -> KeyRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT record FROM keys WHERE key_hash = ? AND revoked = 0", (key_hash,)
            ).fetchone()
        return KeyRecord.model_validate_json(row[0]) if row else None

    def all(self) -> list[KeyRecord]:
        with self._lock:
            rows = self._db.execute("SELECT record, revoked FROM keys ORDER BY name").fetchall()
        return [
            KeyRecord.model_validate_json(raw).model_copy(update={"revoked": bool(revoked)})
            for raw, revoked in rows
        ]

    def revoke(self, name: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "UPDATE keys SET revoked = 1 WHERE name = ? AND revoked = 0", (name,)
            )
        return cursor.rowcount > 0

    def count(self, counter: str, amount: int, ttl_s: int, limit: int | None) -> int | None:
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                total = self._count_in_transaction(counter, amount, ttl_s, limit, now)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return total

    def _count_in_transaction(
        self, counter: str, amount: int, ttl_s: int, limit: int | None, now: float
    ) -> int | None:
        row = self._db.execute(
            "SELECT value, expires FROM counters WHERE name = ?", (counter,)
        ).fetchone()
        live = row is not None and row[1] > now
        total = (row[0] if live else 0) + amount
        if limit is not None and total > limit:
            return None
        if amount == 0:
            return total
        if not live:
            self._db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        expires = row[1] if live else now + ttl_s
        self._db.execute(
            "INSERT OR REPLACE INTO counters (name, value, expires) VALUES (?, ?, ?)",
            (counter, total, expires),
        )
        return total

    def add_usage(self, name: str, amounts: dict[str, float]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT INTO usage (name, field, value) VALUES (?, ?, ?) "
                "ON CONFLICT (name, field) DO UPDATE SET value = value + excluded.value",
                [(name, field, value) for field, value in amounts.items()],
            )

    def usage(self, name: str) -> dict[str, float]:
        with self._lock:
            rows = self._db.execute(
                "SELECT field, value FROM usage WHERE name = ?", (name,)
            ).fetchall()
        return {field: float(value) for field, value in rows}

    def close(self) -> None:
        with self._lock:
            self._db.close()


# KEYS[1] counter; ARGV: amount, ttl seconds, limit (-1: none). The sum, or -1 when refused.
_COUNT = """
local total = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
if limit >= 0 and total > limit then return -1 end
if tonumber(ARGV[1]) ~= 0 then
  redis.call('INCRBY', KEYS[1], ARGV[1])
  if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
end
return total
"""


class RedisKeyStore:
    """``<prefix>keys`` (name -> record), ``<prefix>hash:<sha256>`` (-> name, while valid),
    ``<prefix>n:<counter>`` counters with TTLs, ``<prefix>usage:<name>`` totals."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # imported here: only replicas configured for Redis need the client

        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._count = self._redis.register_script(_COUNT)

    def add(self, record: KeyRecord) -> None:
        if not self._redis.hsetnx(self.prefix + "keys", record.name, record.model_dump_json()):
            raise KeyExistsError(f"a key named {record.name!r} exists already")
        self._redis.set(self.prefix + "hash:" + record.key_hash, record.name)

    def find(self, key_hash: str) -> KeyRecord | None:
        name = self._redis.get(self.prefix + "hash:" + key_hash)
        if name is None:
            return None
        raw = self._redis.hget(self.prefix + "keys", name)
        record = KeyRecord.model_validate_json(raw) if raw else None
        return record if record is not None and not record.revoked else None

    def all(self) -> list[KeyRecord]:
        raw = self._redis.hgetall(self.prefix + "keys")
        records = [KeyRecord.model_validate_json(value) for value in raw.values()]
        return sorted(records, key=lambda record: record.name)

    def revoke(self, name: str) -> bool:
        raw = self._redis.hget(self.prefix + "keys", name)
        if raw is None:
            return False
        record = KeyRecord.model_validate_json(raw)
        if record.revoked:
            return False
        self._redis.delete(self.prefix + "hash:" + record.key_hash)
        revoked = record.model_copy(update={"revoked": True})
        self._redis.hset(self.prefix + "keys", name, revoked.model_dump_json())
        return True

    def count(self, counter: str, amount: int, ttl_s: int, limit: int | None) -> int | None:
        total = int(
            self._count(
                keys=[self.prefix + "n:" + counter],
                args=[amount, ttl_s, -1 if limit is None else limit],
            )
        )
        return None if total < 0 else total

    def add_usage(self, name: str, amounts: dict[str, float]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for field, value in amounts.items():
            pipe.hincrbyfloat(self.prefix + "usage:" + name, field, value)
        pipe.execute()

    def usage(self, name: str) -> dict[str, float]:
        raw = self._redis.hgetall(self.prefix + "usage:" + name)
        return {_text(field): float(value) for field, value in raw.items()}

    def close(self) -> None:
        self._redis.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def open_store(settings: AuthSettings) -> KeyStore:
    if settings.redis_url:
        return RedisKeyStore(settings.redis_url, settings.redis_prefix)
    return SqliteKeyStore(settings.file)
