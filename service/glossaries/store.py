"""Where glossaries live: :class:`LocalGlossaryStore` (this process; one replica) or
:class:`RedisGlossaryStore` (every replica sees every glossary), both bounded.

Glossaries are immutable, as in DeepL's v2 API: created whole, read, deleted. Each store keeps
at most ``max_glossaries`` and ``max_total_bytes`` of entries; a glossary that would go over is
refused (GlossaryStoreFullError), never an old one evicted. Redis checks and claims room in one
script, so two replicas creating at once cannot both take the last place.
"""

from __future__ import annotations

import json
import threading
from typing import Protocol

from pydantic import BaseModel, Field

from service.glossaries.entries import Entries
from service.glossaries.errors import GlossaryStoreFullError


class GlossaryInfo(BaseModel):
    """What DeepL answers about a glossary (``GET /v2/glossaries/{id}``), without entries."""

    glossary_id: str
    name: str
    ready: bool = True
    source_lang: str
    target_lang: str
    creation_time: str
    entry_count: int
    owner: str | None = Field(
        default=None,
        exclude=True,
        description="Name of the API key that made it (None: keys off); never in an answer.",
    )

    def stored_json(self) -> str:
        """The record as stored, owner included (answers leave it out)."""
        return json.dumps({**self.model_dump(), "owner": self.owner})


class GlossaryStore(Protocol):
    """Implementations are thread-safe; ``size`` is the entries' UTF-8 bytes."""

    def add(self, info: GlossaryInfo, entries: Entries, size: int) -> None: ...
    def info(self, glossary_id: str) -> GlossaryInfo | None: ...
    def entries(self, glossary_id: str) -> Entries | None: ...
    def all(self) -> list[GlossaryInfo]: ...
    def delete(self, glossary_id: str) -> bool: ...
    def close(self) -> None: ...


def _full(max_glossaries: int, max_total_bytes: int) -> GlossaryStoreFullError:
    return GlossaryStoreFullError(
        f"no room for another glossary (at most {max_glossaries} glossaries and "
        f"{max_total_bytes} bytes of entries); delete one first"
    )


class LocalGlossaryStore:
    def __init__(self, max_glossaries: int, max_total_bytes: int) -> None:
        self.max_glossaries = max_glossaries
        self.max_total_bytes = max_total_bytes
        self._lock = threading.Lock()
        self._glossaries: dict[str, tuple[GlossaryInfo, Entries, int]] = {}
        self._bytes = 0

    def add(self, info: GlossaryInfo, entries: Entries, size: int) -> None:
        with self._lock:
            count = len(self._glossaries)
            if count >= self.max_glossaries or self._bytes + size > self.max_total_bytes:
                raise _full(self.max_glossaries, self.max_total_bytes)
            self._glossaries[info.glossary_id] = (info, dict(entries), size)
            self._bytes += size

    def info(self, glossary_id: str) -> GlossaryInfo | None:
        with self._lock:
            found = self._glossaries.get(glossary_id)
            return found[0] if found else None

    def entries(self, glossary_id: str) -> Entries | None:
        with self._lock:
            found = self._glossaries.get(glossary_id)
            return dict(found[1]) if found else None

    def all(self) -> list[GlossaryInfo]:
        with self._lock:
            return [info for info, _, _ in self._glossaries.values()]

    def delete(self, glossary_id: str) -> bool:
        with self._lock:
            found = self._glossaries.pop(glossary_id, None)
            if found is None:
                return False
            self._bytes -= found[2]
            return True

    def close(self) -> None:
        with self._lock:
            self._glossaries.clear()
            self._bytes = 0


# KEYS: sizes hash (id -> bytes), info key, entries key. ARGV: id, size, info, entries, limits.
_ADD = """
local sizes = redis.call('HVALS', KEYS[1])
local total = 0
for _, size in ipairs(sizes) do total = total + tonumber(size) end
if #sizes >= tonumber(ARGV[5]) or total + tonumber(ARGV[2]) > tonumber(ARGV[6]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[4])
return 1
"""


class RedisGlossaryStore:
    """``<prefix>sizes`` (hash id -> bytes), ``<prefix><id>`` (info JSON), ``<prefix><id>:entries``
    (entries JSON); no expiry: glossaries live until deleted."""

    def __init__(self, url: str, max_glossaries: int, max_total_bytes: int, prefix: str) -> None:
        import redis  # imported here: only replicas configured for Redis need the client

        self.max_glossaries = max_glossaries
        self.max_total_bytes = max_total_bytes
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._add = self._redis.register_script(_ADD)

    def _key(self, glossary_id: str, suffix: str = "") -> str:
        return f"{self.prefix}{glossary_id}{suffix}"

    def add(self, info: GlossaryInfo, entries: Entries, size: int) -> None:
        keys = [self._key("sizes"), self._key(info.glossary_id), self._key(info.glossary_id, ":e")]
        limits = [self.max_glossaries, self.max_total_bytes]
        added = self._add(
            keys=keys,
            args=[info.glossary_id, size, info.stored_json(), json.dumps(entries), *limits],
        )
        if not added:
            raise _full(self.max_glossaries, self.max_total_bytes)

    def info(self, glossary_id: str) -> GlossaryInfo | None:
        raw = self._redis.get(self._key(glossary_id))
        return None if raw is None else GlossaryInfo.model_validate_json(raw)

    def entries(self, glossary_id: str) -> Entries | None:
        raw = self._redis.get(self._key(glossary_id, ":e"))
        if raw is None:
            return None
        loaded: Entries = json.loads(raw)
        return loaded

    def all(self) -> list[GlossaryInfo]:
        keys = self._redis.hkeys(self._key("sizes"))
        ids = sorted(key.decode() if isinstance(key, bytes) else str(key) for key in keys)
        if not ids:
            return []
        raws = self._redis.mget([self._key(glossary_id) for glossary_id in ids])
        return [GlossaryInfo.model_validate_json(raw) for raw in raws if raw is not None]

    def delete(self, glossary_id: str) -> bool:
        pipe = self._redis.pipeline()
        pipe.hdel(self._key("sizes"), glossary_id)
        pipe.delete(self._key(glossary_id), self._key(glossary_id, ":e"))
        removed, _ = pipe.execute()
        return bool(removed)

    def close(self) -> None:
        self._redis.close()
