"""Shared helpers: a deterministic translator that makes 'every segment translated' checkable."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from service.documents.jobs import JobRecord
from service.documents.safety import Guard
from service.documents.serving import DocumentService
from service.documents.settings import DocumentSettings


def wrap(batch: list[str]) -> list[str]:
    """Marks each segment «…»; keeps inline tags, so whole-sentence restoring is exercised."""
    return [f"«{s}»" for s in batch]


def shout(batch: list[str]) -> list[str]:
    """Upper-cases everything, tags included: every tagged unit must fall back to its pieces."""
    return [s.upper() for s in batch]


def assert_members_identical(data: bytes, out: bytes) -> None:
    """Two archives hold the same members with the same bytes (an untouched document)."""
    with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


@pytest.fixture
def guard() -> Guard:
    return Guard(DocumentSettings(_env_file=None))  # type: ignore[call-arg]


def wait_done(service: DocumentService, job_id: str) -> JobRecord:
    """The job's record once it is done or failed (a few seconds at most)."""
    for _ in range(200):
        record = service.status(job_id)
        if record.status in ("done", "error"):
            return record
        time.sleep(0.02)
    raise AssertionError("job did not finish")
