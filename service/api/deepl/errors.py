"""DeepL's error answers on the DeepL surface (every path under ``/v2/``).

DeepL's clients read an error body's ``message`` (and ``detail``) and choose the exception
by status alone: the official Python client shows ``Bad request, message: ...`` for 400,
``AuthorizationException`` for 403, ``QuotaExceededException`` for 456,
``TooManyRequestsException`` for 429, and for a status DeepL never answers (our 415, 422)
only ``Unexpected status code``. So the ``/v2/`` routes answer our errors as DeepL does::

    {"message": "no model translates en-fr (served: en-de)", "code": "unsupported_direction"}

with DeepL's statuses: every refused request (invalid parameter, refused or damaged
document) is 400, a spent quota 456, a document not translated yet 503; the others (404,
413, 429 with ``Retry-After``, 500, 503) are the same in both shapes. ``code`` is ours
(clients ignore it), so logs and scripts keep the stable code. ``/v1`` keeps the envelope.
"""

from __future__ import annotations

DEEPL_PATH_PREFIX = "/v2/"

# Our status -> DeepL's, where DeepL uses another one for the same kind of refusal.
_STATUS = {401: 403, 415: 400, 422: 400}
# Errors whose DeepL status depends on what they mean, not on our status.
_STATUS_BY_CODE = {
    "quota_exceeded": 456,  # ours: 429, as a quota is a rate limit to a generic client
    "document_not_ready": 503,  # ours: 409; DeepL clients wait and retry on 503
    "document_failed": 400,  # ours: 409
    "glossary_too_large": 400,  # ours: 413; DeepL refuses an oversized glossary as a bad request
    "glossary_store_full": 400,  # ours: 409
}
# What the OpenAPI document declares for a status a /v2 route declares: every DeepL status
# its errors may become. A route that can raise QuotaExceededError declares 456 itself.
_DECLARED = {409: (400, 503)}


def is_deepl_path(path: str) -> bool:
    return path.startswith(DEEPL_PATH_PREFIX)


def deepl_status(status: int, code: str) -> int:
    """The status DeepL answers for one of our errors."""
    return _STATUS_BY_CODE.get(code) or _STATUS.get(status, status)


def deepl_statuses(status: int) -> tuple[int, ...]:
    """Every DeepL status a route declaring ``status`` may answer (for ``/openapi.json``)."""
    return _DECLARED.get(status) or (_STATUS.get(status, status),)


def deepl_error_body(code: str, message: str) -> dict[str, str]:
    return {"message": message, "code": code}
