"""Document jobs: their state in a store shared by replicas, their work in a bounded pool.

Stores: :class:`LocalJobStore` (this process's memory; one replica) and :class:`RedisJobStore`
(every replica behind a Service sees every job). A job runs in the worker pool of the replica that
accepted it, which writes its progress and result to the store; any replica answers status, result
and delete. A job whose replica died stops being updated and is reported failed after
``stale_after_s``. Records and results expire ``result_ttl_s`` after their last update.
"""

from __future__ import annotations

import contextvars
import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel

from service.documents.errors import JobQueueFullError
from service.documents.formats.base import Extraction
from service.documents.safety import Guard
from service.documents.segments import SegmentTranslator
from service.documents.settings import DocumentSettings
from service.errors import ServiceError

logger = logging.getLogger(__name__)

JobStatus = Literal["queued", "translating", "done", "error"]
T = TypeVar("T")


class JobRecord(BaseModel):
    """Everything known about one job (no document text)."""

    id: str
    key: str
    status: JobStatus = "queued"
    filename: str
    format: str
    media_type: str
    source: str | None
    target: str
    characters: int
    segments_total: int
    segments_done: int = 0
    segments_untranslated: int = 0  # kept in the source language: the model failed on them
    segments_low_confidence: int = 0
    created_at: float
    updated_at: float
    started_at: float | None = None
    finished_at: float | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def seconds_remaining(self) -> float | None:
        """Linear estimate from the progress so far; None before the first batch."""
        if self.status == "done":
            return 0.0
        if self.status != "translating" or not self.segments_done or self.started_at is None:
            return None
        elapsed = self.updated_at - self.started_at
        left = max(self.segments_total - self.segments_done, 0)
        return round(elapsed / self.segments_done * left, 2)


def new_job_id() -> str:
    return secrets.token_hex(16)


class JobStore(Protocol):
    """Where job records and results live; implementations must be thread-safe."""

    def save(self, record: JobRecord) -> None: ...
    def get(self, job_id: str) -> JobRecord | None: ...
    def put_result(self, job_id: str, data: bytes) -> None: ...
    def get_result(self, job_id: str) -> bytes | None: ...
    def delete(self, job_id: str) -> bool: ...
    def result_bytes(self) -> int: ...
    def close(self) -> None: ...


class LocalJobStore:
    """Jobs in this process's memory, expiring ``ttl_s`` after their last write."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._records: dict[str, tuple[float, JobRecord]] = {}
        self._results: dict[str, tuple[float, bytes]] = {}
        self._result_bytes = 0

    def _purge(self, now: float) -> None:
        for job_id in [k for k, (expires, _) in self._records.items() if expires <= now]:
            del self._records[job_id]
        for job_id in [k for k, (expires, _) in self._results.items() if expires <= now]:
            self._drop_result(job_id)

    def _drop_result(self, job_id: str) -> None:
        found = self._results.pop(job_id, None)
        if found is not None:
            self._result_bytes -= len(found[1])

    def save(self, record: JobRecord) -> None:
        with self._lock:
            now = time.monotonic()
            self._purge(now)
            self._records[record.id] = (now + self.ttl_s, record.model_copy())

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            self._purge(time.monotonic())
            found = self._records.get(job_id)
            return found[1].model_copy() if found else None

    def put_result(self, job_id: str, data: bytes) -> None:
        with self._lock:
            self._drop_result(job_id)
            self._results[job_id] = (time.monotonic() + self.ttl_s, data)
            self._result_bytes += len(data)

    def get_result(self, job_id: str) -> bytes | None:
        with self._lock:
            self._purge(time.monotonic())
            found = self._results.get(job_id)
            return found[1] if found else None

    def delete(self, job_id: str) -> bool:
        with self._lock:
            self._drop_result(job_id)
            return self._records.pop(job_id, None) is not None

    def result_bytes(self) -> int:
        """Bytes of the results this process holds (expired ones are let go first)."""
        with self._lock:
            self._purge(time.monotonic())
            return self._result_bytes

    def close(self) -> None:
        with self._lock:
            self._records.clear()
            self._results.clear()
            self._result_bytes = 0


class RedisJobStore:
    """Jobs in Redis (``<prefix><id>`` JSON record, ``<prefix><id>:result`` bytes), with TTLs."""

    def __init__(self, url: str, ttl_s: float, prefix: str = "mtdoc:") -> None:
        import redis  # imported here: only replicas configured for Redis need the client

        self.ttl_ms = max(int(ttl_s * 1000), 1)
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def _key(self, job_id: str, suffix: str = "") -> str:
        return f"{self.prefix}{job_id}{suffix}"

    def save(self, record: JobRecord) -> None:
        self._redis.set(self._key(record.id), record.model_dump_json(), px=self.ttl_ms)

    def get(self, job_id: str) -> JobRecord | None:
        raw = self._redis.get(self._key(job_id))
        return None if raw is None else JobRecord.model_validate_json(raw)

    def put_result(self, job_id: str, data: bytes) -> None:
        self._redis.set(self._key(job_id, ":result"), data, px=self.ttl_ms)

    def get_result(self, job_id: str) -> bytes | None:
        raw = self._redis.get(self._key(job_id, ":result"))
        return raw if isinstance(raw, bytes) else None

    def delete(self, job_id: str) -> bool:
        removed = self._redis.delete(self._key(job_id), self._key(job_id, ":result"))
        return bool(removed)

    def result_bytes(self) -> int:
        """None in this process: Redis holds them (bounded by its own ``maxmemory``)."""
        return 0

    def close(self) -> None:
        self._redis.close()


def make_store(settings: DocumentSettings) -> JobStore:
    if settings.redis_url:
        return RedisJobStore(settings.redis_url, settings.result_ttl_s, settings.redis_prefix)
    return LocalJobStore(settings.result_ttl_s)


class WorkerPool:
    """A bounded pool: at most ``max_queued_jobs`` documents waiting or running per replica,
    and at most ``max_held_bytes`` of their uploads (with what the caller says it also holds)."""

    def __init__(self, settings: DocumentSettings) -> None:
        self._executor = ThreadPoolExecutor(settings.workers, thread_name_prefix="mt-doc")
        self._slots = threading.BoundedSemaphore(settings.max_queued_jobs)
        self._max_held_bytes = settings.max_held_bytes
        self._lock = threading.Lock()
        self._held_bytes = 0

    @property
    def held_bytes(self) -> int:
        return self._held_bytes

    def submit(self, fn: Callable[[], T], holds: int = 0, also_held: int = 0) -> Future[T]:
        """Run ``fn`` in a worker, counting the `holds` bytes of its upload until it ends or is
        cancelled; JobQueueFullError at once when every slot is taken, or when those bytes, the
        uploads already counted and `also_held` (results kept) would pass ``max_held_bytes``."""
        if not self._slots.acquire(blocking=False):
            raise JobQueueFullError()
        with self._lock:
            if self._held_bytes + holds + also_held > self._max_held_bytes:
                self._slots.release()
                raise JobQueueFullError(
                    "Too many document bytes are queued or waiting to be fetched on this "
                    "replica (MT_DOC_MAX_HELD_BYTES); retry later."
                )
            self._held_bytes += holds
        try:  # in the submitter's context: the request's API key is charged for the document
            future = self._executor.submit(contextvars.copy_context().run, fn)
        except RuntimeError:
            self._release(holds)
            raise
        future.add_done_callback(lambda _: self._release(holds))  # run, failed or cancelled
        return future

    def _release(self, holds: int) -> None:
        with self._lock:
            self._held_bytes -= holds
        self._slots.release()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class _JobDeletedError(Exception):
    """The job was deleted while it ran: stop, keep nothing."""


def run_job(
    store: JobStore,
    record: JobRecord,
    read: Callable[[Guard], Extraction],
    translator: SegmentTranslator,
    settings: DocumentSettings,
) -> None:
    """Read and translate one document, writing progress, then the result or a safe error, to
    the store. The document is read (parsed) here, in the worker: a queued job holds its upload,
    never its parsed tree, which can take a hundred times the upload's bytes."""
    record = record.model_copy()  # the caller keeps its own snapshot
    record.status = "translating"
    record.started_at = record.updated_at = time.time()
    store.save(record)

    def stop_if_deleted() -> None:
        if store.get(record.id) is None:
            raise _JobDeletedError

    def progress(done: int, total: int) -> None:
        stop_if_deleted()
        record.segments_done, record.segments_total = done, total
        record.updated_at = time.time()
        store.save(record)

    try:
        guard = Guard(settings)
        extraction = read(guard)
        data = extraction.translate(translator, guard, progress)
        report = extraction.report
        del extraction  # the parsed tree goes before the result is stored
        stop_if_deleted()
    except _JobDeletedError:
        return
    except ServiceError as exc:  # a DocumentError, or the key's quota spent midway (safe text)
        record.status, record.error_code, record.error_message = "error", exc.code, exc.message
    except Exception:
        logger.exception("document job %s failed", record.id)
        record.status, record.error_code = "error", "internal_error"
        record.error_message = "The document could not be translated."
    else:
        store.put_result(record.id, data)
        record.status = "done"
        record.segments_done = record.segments_total
        record.segments_untranslated = report.untranslated
        record.segments_low_confidence = report.low_confidence
    record.finished_at = record.updated_at = time.time()
    store.save(record)


def mark_lost(record: JobRecord) -> JobRecord:
    """The record of a job its replica will never finish (stopped, or cancelled at shutdown)."""
    record.status, record.error_code = "error", "worker_lost"
    record.error_message = "The replica translating this document stopped."
    return record
