"""Schemas of the document endpoints: ours (``/v1/documents``) and DeepL's (``/v2/document``)."""

from __future__ import annotations

from pydantic import BaseModel

from service.documents.jobs import JobRecord, JobStatus


class DocumentError(BaseModel):
    code: str
    message: str


class DocumentCreated(BaseModel):
    """202 answer: poll ``GET /v1/documents/{id}``."""

    id: str
    status: JobStatus


class DocumentStatusPublic(BaseModel):
    id: str
    status: JobStatus
    filename: str
    format: str
    source: str | None
    target: str
    characters: int
    segments_done: int
    segments_total: int
    seconds_remaining: float | None
    error: DocumentError | None = None

    @classmethod
    def of(cls, record: JobRecord) -> DocumentStatusPublic:
        error = None
        if record.status == "error":
            error = DocumentError(
                code=record.error_code or "internal_error", message=record.error_message or ""
            )
        return cls(
            id=record.id,
            status=record.status,
            filename=record.filename,
            format=record.format,
            source=record.source,
            target=record.target,
            characters=record.characters,
            segments_done=record.segments_done,
            segments_total=record.segments_total,
            seconds_remaining=record.seconds_remaining,
            error=error,
        )


class DeepLDocumentHandle(BaseModel):
    document_id: str
    document_key: str


class DeepLDocumentStatus(BaseModel):
    document_id: str
    status: JobStatus
    seconds_remaining: int | None = None
    billed_characters: int | None = None
    error_message: str | None = None

    @classmethod
    def of(cls, record: JobRecord) -> DeepLDocumentStatus:
        remaining = record.seconds_remaining
        return cls(
            document_id=record.id,
            status=record.status,
            seconds_remaining=None if remaining is None else int(remaining + 0.999),
            billed_characters=record.characters if record.status == "done" else None,
            error_message=record.error_message if record.status == "error" else None,
        )
