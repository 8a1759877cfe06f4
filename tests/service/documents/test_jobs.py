"""Job lifecycle (submit, poll, result, expiry, delete) on one instance and on two sharing Redis."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from service.documents.errors import JobNotFoundError, JobNotReadyError, JobQueueFullError
from service.documents.jobs import JobRecord, LocalJobStore, RedisJobStore
from service.documents.serving import DirectResult, DocumentService
from service.documents.settings import DocumentSettings
from tests.service.documents.conftest import wait_done, wrap
from tests.service.documents.test_safety import bookmarked_paragraphs, docx_with, in_child
from tests.system_deps import require_server

DOCUMENT = b"\n\n".join(b"Paragraph number %d is here." % i for i in range(12))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on loopback (`make test` installs it, see tests/system_deps.py)."""
    binary = require_server("redis-server")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def _settings(**overrides: object) -> DocumentSettings:
    values: dict[str, object] = {"direct_max_characters": 0, "batch_segments": 3} | overrides
    return DocumentSettings(_env_file=None, **values)  # type: ignore[arg-type]


def slow_wrap(batch: list[str]) -> list[str]:
    time.sleep(0.05)
    return wrap(batch)


def _lifecycle(submitter: DocumentService, reader: DocumentService) -> None:
    record = asyncio.run(submitter.submit(DOCUMENT, "notes.txt", "en", "de"))
    assert isinstance(record, JobRecord) and record.status == "queued"
    seen = reader.status(record.id)
    assert seen.characters == record.characters > 0 and seen.segments_total == 12
    with pytest.raises(JobNotReadyError):
        reader.result(record.id)
    done = wait_done(reader, record.id)
    assert done.status == "done" and done.segments_done == 12 and done.seconds_remaining == 0
    data, _ = reader.result(record.id)
    assert data.decode().count("«") == 12
    reader.delete(record.id)
    with pytest.raises(JobNotFoundError):
        submitter.status(record.id)


def test_local_job_lifecycle_submit_poll_result_delete() -> None:
    service = DocumentService(_settings(), lambda s, t: slow_wrap)
    try:
        _lifecycle(service, service)
    finally:
        service.close()


def test_progress_reports_segments_and_time_left_while_translating() -> None:
    service = DocumentService(_settings(), lambda s, t: slow_wrap)
    try:
        record = asyncio.run(service.submit(DOCUMENT, "notes.txt", "en", "de"))
        for _ in range(200):
            seen = service.status(record.id)
            if seen.status == "translating" and seen.segments_done:
                break
            time.sleep(0.01)
        assert 0 < seen.segments_done < seen.segments_total
        assert seen.seconds_remaining is not None and seen.seconds_remaining > 0
        wait_done(service, record.id)
    finally:
        service.close()


def test_local_results_expire() -> None:
    service = DocumentService(_settings(result_ttl_s=0.3), lambda s, t: wrap)
    try:
        record = asyncio.run(service.submit(DOCUMENT, "notes.txt", "en", "de"))
        wait_done(service, record.id)
        time.sleep(0.4)
        with pytest.raises(JobNotFoundError):
            service.result(record.id)
    finally:
        service.close()


def test_full_queue_is_refused_with_429() -> None:
    service = DocumentService(_settings(workers=1, max_queued_jobs=1), lambda s, t: slow_wrap)
    try:
        asyncio.run(service.submit(DOCUMENT, "a.txt", "en", "de"))
        with pytest.raises(JobQueueFullError) as caught:
            asyncio.run(service.submit(DOCUMENT, "b.txt", "en", "de"))
        assert caught.value.status_code == 429 and "Retry-After" in caught.value.headers
    finally:
        service.close()


def submitted_together(data: bytes, filename: str, count: int) -> Callable[[], None]:
    """`count` uploads of `data` submitted as jobs at once to a one-worker service, which then
    closes (queued jobs cancelled, the running one finished)."""

    def submit() -> None:
        service = DocumentService(_settings(workers=1), lambda s, t: wrap)

        async def together() -> None:
            await asyncio.gather(
                *(service.submit(data, filename, "en", "de", mode="async") for _ in range(count))
            )

        asyncio.run(together())
        service.close()

    return submit


def test_queued_jobs_hold_their_uploads_not_their_parsed_trees() -> None:
    """Six concurrent 200 KiB Word uploads of 40,000 elements each: when every queued job kept
    its parsed tree they took 195 MiB of peak memory, now one tree at a time."""
    data = docx_with(bookmarked_paragraphs(20_000))
    outcome = in_child(submitted_together(data, "a.docx", 6))
    assert outcome.error is None
    assert outcome.rss_growth < 100 * 1024 * 1024


def released(service: DocumentService) -> None:
    """Waits until the pool counts no upload (a job's is let go just after its last save)."""
    for _ in range(200):
        if service.pool.held_bytes == 0:
            return
        time.sleep(0.01)
    raise AssertionError(f"{service.pool.held_bytes} bytes still held")


def test_a_job_is_refused_while_uploads_and_kept_results_pass_the_held_bytes_bound() -> None:
    size = len(DOCUMENT) * 3 // 2
    service = DocumentService(
        _settings(max_held_bytes=size, max_upload_bytes=size), lambda s, t: slow_wrap
    )
    try:
        first = asyncio.run(service.submit(DOCUMENT, "a.txt", "en", "de"))
        with pytest.raises(JobQueueFullError) as caught:  # the first upload is still queued
            asyncio.run(service.submit(DOCUMENT, "b.txt", "en", "de"))
        assert caught.value.status_code == 429 and "Retry-After" in caught.value.headers
        assert "MT_DOC_MAX_HELD_BYTES" in caught.value.message
        wait_done(service, first.id)
        released(service)
        with pytest.raises(JobQueueFullError):  # its result is kept, waiting to be fetched
            asyncio.run(service.submit(DOCUMENT, "b.txt", "en", "de"))
        service.delete(first.id)
        second = asyncio.run(service.submit(DOCUMENT, "b.txt", "en", "de"))
        assert wait_done(service, second.id).status == "done"
    finally:
        service.close()


def test_held_bytes_must_leave_room_for_one_upload() -> None:
    with pytest.raises(ValueError, match="MT_DOC_MAX_HELD_BYTES"):
        _settings(max_held_bytes=1000, max_upload_bytes=2000)


def test_a_job_deleted_while_translating_stops_and_keeps_nothing() -> None:
    service = DocumentService(_settings(), lambda s, t: slow_wrap)
    try:
        record = asyncio.run(service.submit(DOCUMENT, "a.txt", "en", "de"))
        for _ in range(200):
            if service.status(record.id).status == "translating":
                break
            time.sleep(0.01)
        service.delete(record.id)
        released(service)
        assert service.store.result_bytes() == 0
        with pytest.raises(JobNotFoundError):
            service.status(record.id)
    finally:
        service.close()


def test_jobs_cancelled_at_shutdown_read_as_failed_and_hold_nothing() -> None:
    store = LocalJobStore(ttl_s=60)
    service = DocumentService(_settings(workers=1), lambda s, t: slow_wrap, store)

    async def three() -> list[DirectResult | JobRecord]:
        return await asyncio.gather(
            *(service.submit(DOCUMENT, f"{i}.txt", "en", "de") for i in range(3))
        )

    jobs = [job for job in asyncio.run(three()) if isinstance(job, JobRecord)]
    for _ in range(200):  # one job runs (or ran), the last still waits
        if any(service.status(job.id).status != "queued" for job in jobs):
            break
        time.sleep(0.01)
    service.pool.close()
    assert service.pool.held_bytes == 0
    records = [store.get(job.id) for job in jobs]
    outcomes = [(r.status, r.error_code) if r else None for r in records]
    assert ("done", None) in outcomes and ("error", "worker_lost") in outcomes
    assert set(outcomes) <= {("done", None), ("error", "worker_lost")}


def test_the_local_store_counts_the_bytes_of_the_results_it_keeps() -> None:
    store = LocalJobStore(ttl_s=0.2)
    store.put_result("a", b"x" * 100)
    store.put_result("b", b"y" * 10)
    store.put_result("a", b"z" * 50)  # replaced, not added
    assert store.result_bytes() == 60
    store.delete("b")
    assert store.result_bytes() == 50
    time.sleep(0.3)
    assert store.result_bytes() == 0  # expired results are let go


def test_two_instances_share_jobs_through_redis(redis_url: str) -> None:
    settings = _settings(redis_url=redis_url)
    a = DocumentService(settings, lambda s, t: slow_wrap)
    b = DocumentService(settings, lambda s, t: slow_wrap)
    try:
        _lifecycle(a, b)
    finally:
        a.close()
        b.close()


def test_redis_results_expire(redis_url: str) -> None:
    settings = _settings(redis_url=redis_url, result_ttl_s=0.3)
    a = DocumentService(settings, lambda s, t: wrap)
    b = DocumentService(settings, lambda s, t: wrap)
    try:
        record = asyncio.run(a.submit(DOCUMENT, "notes.txt", "en", "de"))
        wait_done(b, record.id)
        time.sleep(0.5)
        with pytest.raises(JobNotFoundError):
            b.result(record.id)
    finally:
        a.close()
        b.close()


def test_stores_agree_on_the_record_round_trip(redis_url: str, tmp_path: Path) -> None:
    record = JobRecord(
        id="x1", key="k", filename="f.txt", format="txt", media_type="text/plain", source=None,
        target="de", characters=3, segments_total=1, created_at=1.0, updated_at=1.0,
    )  # fmt: skip
    for store in (LocalJobStore(60), RedisJobStore(redis_url, 60, prefix="t:")):
        store.save(record)
        store.put_result("x1", b"\x00bytes")
        assert store.get("x1") == record and store.get_result("x1") == b"\x00bytes"
        assert store.delete("x1") and store.get("x1") is None
        store.close()
