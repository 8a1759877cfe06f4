"""Typed errors of document translation, each with a stable ``code`` and an HTTP status.

The app maps every :class:`DocumentError` to its error envelope
``{"error": {"code", "message"}}``; messages are written for users and never carry
parser output, paths or stack details::

    DocumentError (a service.errors.ServiceError, 4xx)
    ├── DocumentTooLargeError            413  upload bytes over the limit
    ├── TooManyCharactersError           413  extracted text over the limit
    ├── UnsupportedDocumentError         415  unknown content, or not what the name says
    ├── UnsafeDocumentError              422  DTDs, entities, deep nesting, zip bombs, zip-slip
    ├── CorruptDocumentError             422  broken archive or markup
    ├── EncryptedDocumentError           422  password-protected archive, ODF or PDF; DRM EPUB
    ├── NoTextLayerError                 422  a PDF without text (a scan): no OCR here
    ├── DocumentTimeBudgetExceededError  422  the per-document time budget ran out
    ├── InvalidDocumentRequestError      400  missing/invalid form fields
    ├── JobNotFoundError                 404  unknown, deleted or expired job
    ├── JobNotReadyError                 409  result asked for before the job is done
    ├── JobFailedError                   409  result asked for after the job failed
    └── JobQueueFullError                429  the worker pool's queue is full

:class:`SegmentFailedError` is not user-facing: a translator raises it for a batch holding a
segment the model cannot translate, and the document keeps that segment in its source language.
"""

from __future__ import annotations

from service.errors import ServiceError


class DocumentError(ServiceError):
    """Base of every user-facing document error; a ``ServiceError``, so the app's one handler
    turns it into the error envelope with its status, code and (safe) message."""

    code = "document_error"
    status_code = 400
    default_message = "The document could not be processed."

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.default_message, headers)


class DocumentTooLargeError(DocumentError):
    code = "document_too_large"
    status_code = 413
    default_message = "The uploaded document is larger than the allowed size."


class TooManyCharactersError(DocumentError):
    code = "document_too_many_characters"
    status_code = 413
    default_message = "The document contains more text than the allowed number of characters."


class UnsupportedDocumentError(DocumentError):
    code = "unsupported_document_type"
    status_code = 415
    default_message = "The document type is not supported or does not match its content."


class UnsafeDocumentError(DocumentError):
    code = "unsafe_document"
    status_code = 422
    default_message = "The document was rejected because its structure is unsafe to process."


class CorruptDocumentError(DocumentError):
    code = "corrupt_document"
    status_code = 422
    default_message = "The document is damaged and could not be read."


class EncryptedDocumentError(DocumentError):
    code = "encrypted_document"
    status_code = 422
    default_message = "The document is encrypted; upload it without a password."


class NoTextLayerError(DocumentError):
    code = "no_text_layer"
    status_code = 422
    default_message = "The PDF has no text layer (a scan?); run OCR on it first."


class DocumentTimeBudgetExceededError(DocumentError):
    code = "document_time_budget_exceeded"
    status_code = 422
    default_message = "The document took longer than the allowed time to translate."


class InvalidDocumentRequestError(DocumentError):
    code = "invalid_document_request"
    status_code = 400
    default_message = "The document request is invalid."


class JobNotFoundError(DocumentError):
    code = "document_not_found"
    status_code = 404
    default_message = "No such document job (it may have expired or been deleted)."


class JobNotReadyError(DocumentError):
    code = "document_not_ready"
    status_code = 409
    default_message = "The document is still being translated."


class JobFailedError(DocumentError):
    code = "document_failed"
    status_code = 409
    default_message = "The document translation failed."


class JobQueueFullError(DocumentError):
    code = "document_queue_full"
    status_code = 429
    default_message = "Too many documents are waiting; retry later."

    def __init__(self, message: str | None = None, retry_after_seconds: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)})


class SegmentFailedError(Exception):
    """A segment of the batch is untranslatable (the input's doing, not a transient failure):
    the batch is retried segment by segment and a segment that still fails is kept as it was."""
