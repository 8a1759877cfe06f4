"""Document translation logic behind the routes (no FastAPI here).

Parsing and translating always run in the bounded worker pool, never on the event loop. Small
documents (up to ``direct_max_characters`` of text) are translated while the client waits; larger
ones become jobs.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Literal, TypeVar

from service.documents.errors import (
    DocumentTooLargeError,
    InvalidDocumentRequestError,
    JobFailedError,
    JobNotFoundError,
    JobNotReadyError,
)
from service.documents.formats import DocumentFormat, Extraction, detect
from service.documents.jobs import (
    JobRecord,
    JobStore,
    WorkerPool,
    make_store,
    mark_lost,
    new_job_id,
    run_job,
)
from service.documents.safety import Guard
from service.documents.segments import SegmentReport, SegmentTranslator
from service.documents.settings import DocumentSettings

#: Gives the translator of one direction (source may be None: "detect"); raises the service's
#: typed errors (e.g. an unsupported direction) so they reach the client before any work.
TranslatorFactory = Callable[[str | None, str], SegmentTranslator]
Mode = Literal["auto", "sync", "async"]
T = TypeVar("T")


@dataclass(frozen=True)
class _Measured:
    """What a job needs to know of a document before a worker reads it again."""

    format: DocumentFormat
    media_type: str
    characters: int
    segments: int


@dataclass(frozen=True)
class DirectResult:
    """A document translated while the client waited."""

    data: bytes
    filename: str
    media_type: str
    characters: int
    report: SegmentReport


class DocumentService:
    """Submit, poll, fetch and delete document translations."""

    def __init__(
        self,
        settings: DocumentSettings,
        translator_factory: TranslatorFactory,
        store: JobStore | None = None,
    ) -> None:
        self.settings = settings
        self.translator_factory = translator_factory
        self.store = store if store is not None else make_store(settings)
        self.pool = WorkerPool(settings)

    async def _in_pool(self, fn: Callable[[], T], upload: bytes) -> T:
        """`fn` run in a worker, the upload counted among the bytes held until it ends."""
        results = self.store.result_bytes()
        return await asyncio.wrap_future(self.pool.submit(fn, len(upload), results))

    async def submit(
        self,
        data: bytes,
        filename: str,
        source: str | None,
        target: str,
        mode: Mode = "auto",
        translator_factory: TranslatorFactory | None = None,
    ) -> DirectResult | JobRecord:
        """Translate now (small documents, or ``sync``) or start a job (large, or ``async``);
        `translator_factory` replaces the service's own for this document (a glossary's)."""
        if len(data) > self.settings.max_upload_bytes:
            raise DocumentTooLargeError()
        if not data:
            raise InvalidDocumentRequestError("The uploaded file is empty.")
        if not target:
            raise InvalidDocumentRequestError("A target language is required.")
        translator = (translator_factory or self.translator_factory)(source, target)

        def translate_or_measure() -> DirectResult | _Measured:
            """One worker run: a small document is translated at once; a large one is only
            measured, and its parsed tree let go with this function (its job reads it again)."""
            fmt = detect(data, filename, self.settings.zip_max_entries)
            guard = Guard(self.settings)
            extraction = fmt.prepare(data, guard, target)
            media_type = fmt.media_type_of(extraction)
            characters = extraction.characters
            if mode == "sync" or (
                mode == "auto" and characters <= self.settings.direct_max_characters
            ):
                out = extraction.translate(translator, guard)
                return DirectResult(out, filename, media_type, characters, extraction.report)
            return _Measured(fmt, media_type, characters, extraction.segments)

        outcome = await self._in_pool(translate_or_measure, data)
        if isinstance(outcome, DirectResult):
            return outcome
        now = time.time()
        record = JobRecord(
            id=new_job_id(),
            key=new_job_id(),
            filename=filename,
            format=outcome.format.name,
            media_type=outcome.media_type,
            source=source,
            target=target,
            characters=outcome.characters,
            segments_total=outcome.segments,
            created_at=now,
            updated_at=now,
        )
        fmt = outcome.format

        def read(guard: Guard) -> Extraction:
            return fmt.prepare(data, guard, target)

        self.store.save(record)
        try:
            job = self.pool.submit(
                lambda: run_job(self.store, record, read, translator, self.settings),
                len(data),
                self.store.result_bytes(),
            )
        except Exception:
            self.store.delete(record.id)
            raise
        job.add_done_callback(lambda done: self._forget_if_cancelled(done, record))
        return record

    def _forget_if_cancelled(self, job: Future[None], record: JobRecord) -> None:
        """A job cancelled at shutdown reads as failed at once, not as queued until stale."""
        if job.cancelled():
            self.store.save(mark_lost(record.model_copy()))

    def status(self, job_id: str, key: str | None = None) -> JobRecord:
        """The job's record; unknown, expired, deleted or wrong key all read as not found."""
        record = self.store.get(job_id)
        if record is None or (key is not None and not _same(key, record.key)):
            raise JobNotFoundError()
        stale = time.time() - record.updated_at > self.settings.stale_after_s
        if record.status in ("queued", "translating") and stale:
            mark_lost(record)
        return record

    def result(
        self, job_id: str, key: str | None = None, once: bool = False
    ) -> tuple[bytes, JobRecord]:
        """The translated document; with `once` (DeepL's rule) the job is forgotten as it is
        handed out, so a second download is a 404 and the replica holds the bytes no longer."""
        record = self.status(job_id, key)
        if record.status == "error":
            raise JobFailedError(record.error_message)
        if record.status != "done":
            raise JobNotReadyError()
        data = self.store.get_result(job_id)
        if data is None:
            raise JobNotFoundError()
        if once:
            self.store.delete(job_id)
        return data, record

    def delete(self, job_id: str, key: str | None = None) -> None:
        self.status(job_id, key)
        self.store.delete(job_id)

    def close(self) -> None:
        """Finish running jobs, then release the store (call from the app's lifespan)."""
        self.pool.close()
        self.store.close()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
