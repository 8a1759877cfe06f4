"""Schemas of the document endpoints: ours (``/v1/documents``) and DeepL's (``/v2/document``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from service.api.contract import language_schema
from service.api.openapi import Responses, error_responses
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
    segments_untranslated: int
    """Segments kept in the source language because the model could not translate them."""
    segments_low_confidence: int
    """Segments translated, but judged low-confidence (outside the model's normal range)."""
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
            segments_untranslated=record.segments_untranslated,
            segments_low_confidence=record.segments_low_confidence,
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


# What the routes read themselves (multipart uploads, DeepL's key forms) and answer, stated
# for the OpenAPI document.
_FILE = {"type": "string", "format": "binary"}
_LANGUAGE = {"type": "string", "minLength": 2, "maxLength": 35, **language_schema()}


def _request_body(media_types: tuple[str, ...], required: list[str], **fields: Any) -> Any:
    schema = {"type": "object", "required": required, "properties": fields}
    content = {media: {"schema": schema} for media in media_types}
    return {"requestBody": {"required": True, "content": content}}


def _upload_body(target: str, source: str, **fields: Any) -> Any:
    languages = {target: _LANGUAGE, source: _LANGUAGE}
    return _request_body(
        ("multipart/form-data",), ["file", target], file=_FILE, **languages, **fields
    )


UPLOAD_BODY = _upload_body(
    "target", "source", mode={"type": "string", "enum": ["auto", "sync", "async"]}
)
DEEPL_UPLOAD_BODY = _upload_body("target_lang", "source_lang", filename={"type": "string"})
KEY_BODY = _request_body(
    ("application/x-www-form-urlencoded", "application/json"),
    ["document_key"],
    document_key={"type": "string"},
)
#: Headers of every translated file, direct or a job's result: the job status's counts.
UNTRANSLATED_HEADER = "X-Segments-Untranslated"
LOW_CONFIDENCE_HEADER = "X-Segments-Low-Confidence"
_COUNT = {"schema": {"type": "integer", "minimum": 0}}
TRANSLATED_FILE: Responses = {
    200: {
        "description": "The translated document, in its own media type",
        "content": {"application/octet-stream": {"schema": _FILE}},
        "headers": {
            UNTRANSLATED_HEADER: {
                **_COUNT,
                "description": "Segments kept in the source language (the model failed on them)",
            },
            LOW_CONFIDENCE_HEADER: {
                **_COUNT,
                "description": "Segments translated but judged low-confidence",
            },
        },
    }
}
UPLOAD_ERRORS = error_responses(400, 413, 415, 422, 429, 503)
