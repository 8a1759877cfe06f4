"""The flywheel's capture: low-confidence source sentences kept for the next build (opt-in).

What is stored, per low-confidence sentence: the direction, the sentence as the model saw it
(placeholders such as URLs, e-mail addresses, tags and ``{name}`` already replaced by ``[1]``,
``[2]``...), the teacher's translation when it was escalated, the reasons and the confidence,
and the UTC time. Nothing else: no request id, client address, key or the rest of the text.
It is never logged. Bounded two ways: ``max_records`` in all (the oldest go first) and
``ttl_days``.

- `FolderCapture`: JSON lines in rotating files ``capture-<UTC time>-<n>.jsonl``; ten files of
  ``max_records / 10`` records each at most, files older than the TTL deleted on rotation.
  ``model-build prepare`` reads such a folder as extra source text.
- `RedisCapture`: one list per direction (``<prefix><direction>``), trimmed to
  ``max_records`` and expiring ``ttl_days`` after its last write.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

FILES_KEPT = 10
REDIS_PREFIX = "mtcapture:"


@dataclass(frozen=True)
class CaptureRecord:
    direction: str
    source: str
    teacher: str | None
    reasons: list[str]
    confidence: float
    at: str

    @classmethod
    def now(
        cls,
        direction: str,
        source: str,
        teacher: str | None,
        reasons: Sequence[str],
        confidence: float,
    ) -> CaptureRecord:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(direction, source, teacher, list(reasons), round(confidence, 4), at)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


class CaptureStore(Protocol):
    def add(self, records: Sequence[CaptureRecord]) -> None: ...

    def close(self) -> None: ...


class FolderCapture:
    def __init__(self, folder: Path, max_records: int, ttl_days: float) -> None:
        self.folder = folder
        self.per_file = max(1, max_records // FILES_KEPT)
        self.ttl_seconds = ttl_days * 86_400
        self._lock = threading.Lock()
        self._current: Path | None = None
        self._count = 0
        self._serial = 0
        folder.mkdir(parents=True, exist_ok=True)

    def files(self) -> list[Path]:
        """Capture files, oldest first (names sort by creation time)."""
        return sorted(self.folder.glob("capture-*.jsonl"))

    def add(self, records: Sequence[CaptureRecord]) -> None:
        with self._lock:
            for record in records:
                if self._current is None or self._count >= self.per_file:
                    self._rotate()
                assert self._current is not None
                with self._current.open("a", encoding="utf-8") as sink:
                    sink.write(record.to_json() + "\n")
                self._count += 1

    def _rotate(self) -> None:
        self._serial += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        self._current = self.folder / f"capture-{stamp}-{self._serial:06d}.jsonl"
        self._count = 0
        files = self.files()
        expired = time.time() - self.ttl_seconds
        for path in files[: max(0, len(files) - FILES_KEPT + 1)]:
            path.unlink(missing_ok=True)
        for path in self.files():
            if path.stat().st_mtime < expired:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        """Files are closed after every write; nothing to do."""


class RedisCapture:
    def __init__(
        self, url: str, max_records: int, ttl_days: float, prefix: str = REDIS_PREFIX
    ) -> None:
        import redis  # only replicas that capture to Redis need the client

        self._redis: Any = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.max_records = max_records
        self.ttl_ms = int(ttl_days * 86_400_000)
        self.prefix = prefix

    def key(self, direction: str) -> str:
        return f"{self.prefix}{direction}"

    def add(self, records: Sequence[CaptureRecord]) -> None:
        pipe = self._redis.pipeline()
        for direction in {record.direction for record in records}:
            key = self.key(direction)
            lines = [r.to_json() for r in records if r.direction == direction]
            pipe.lpush(key, *lines)
            pipe.ltrim(key, 0, self.max_records - 1)
            pipe.pexpire(key, self.ttl_ms)
        pipe.execute()

    def records(self, direction: str) -> list[dict[str, Any]]:
        """Newest first (for export to a folder and for tests)."""
        return [json.loads(line) for line in self._redis.lrange(self.key(direction), 0, -1)]

    def close(self) -> None:
        self._redis.close()


def open_capture(
    enabled: bool, folder: Path | None, redis_url: str, max_records: int, ttl_days: float
) -> CaptureStore | None:
    """The configured store; None when capture is off (the default)."""
    if not enabled:
        return None
    if redis_url:
        return RedisCapture(redis_url, max_records, ttl_days)
    assert folder is not None  # load_routing_settings checked it
    return FolderCapture(folder, max_records, ttl_days)
