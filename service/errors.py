"""Domain errors of the service, each with an HTTP status and a stable machine-readable code.

::

    ServiceError                      (500 internal_error)
    ├── InvalidRequestError           (422 invalid_request)
    │   ├── EmptyTextError            (422 empty_text)
    │   ├── InvalidTextError          (422 invalid_text)
    │   └── SentenceFailedError       (422 untranslatable_sentence; only its own request fails)
    ├── UnsupportedDirectionError     (400 unsupported_direction)
    ├── PayloadTooLargeError          (413 payload_too_large)
    │   ├── TooManyTextsError         (413 too_many_texts)
    │   └── TooManyCharactersError    (413 too_many_characters)
    ├── QueueFullError                (429 queue_full, Retry-After)
    ├── QuotaExceededError            (429 quota_exceeded; DeepL's 456 on /v2)
    ├── NotReadyError                 (503 not_ready)
    ├── EngineDeadError               (503 engine_dead)
    └── ClientDisconnectedError       (499 client_disconnected; nobody reads it)

They are raised by logic that knows nothing of HTTP and turned into the one error envelope
``{"error": {"code": ..., "message": ...}}`` in a single place (`service.app`).
"""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class InvalidRequestError(ServiceError):
    status_code = 422
    code = "invalid_request"


class EmptyTextError(InvalidRequestError):
    code = "empty_text"


class InvalidTextError(InvalidRequestError):
    code = "invalid_text"


class SentenceFailedError(InvalidRequestError):
    """The model failed on these sentences even when translated alone: the input's doing."""

    code = "untranslatable_sentence"


class UnsupportedDirectionError(ServiceError):
    status_code = 400
    code = "unsupported_direction"


class PayloadTooLargeError(ServiceError):
    status_code = 413
    code = "payload_too_large"


class TooManyTextsError(PayloadTooLargeError):
    code = "too_many_texts"


class TooManyCharactersError(PayloadTooLargeError):
    code = "too_many_characters"


class QueueFullError(ServiceError):
    status_code = 429
    code = "queue_full"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)})
        self.retry_after_seconds = retry_after_seconds


class QuotaExceededError(ServiceError):
    """An API key's character quota for the period is spent (`service.auth`): 429 in the
    envelope, DeepL's 456 on the DeepL surface (`service.api.deepl.errors`)."""

    status_code = 429
    code = "quota_exceeded"


class NotReadyError(ServiceError):
    status_code = 503
    code = "not_ready"


class EngineDeadError(ServiceError):
    status_code = 503
    code = "engine_dead"


class ClientDisconnectedError(ServiceError):
    status_code = 499
    code = "client_disconnected"


class ModelsUnavailableError(Exception):
    """The models folder cannot be served (no bundles, a bundle that fails verification, two
    bundles for one direction). Raised at start-up, which then stops; never an HTTP answer."""


# The names before the ``Error`` suffix (ruff N818), for code written against them.
NotReady = NotReadyError
UnsupportedDirection = UnsupportedDirectionError
