"""Refusals of the key check, in the service's error tree (`service.errors`)::

ServiceError
├── InvalidKeyError     (401 invalid_api_key; DeepL's 403 on /v2) missing, unknown or revoked
├── KeyRateLimitError   (429 rate_limited, Retry-After) a key's requests a minute, or an
│                        address's bad keys a minute
└── QuotaExceededError  (429 quota_exceeded; DeepL's 456 on /v2) a key's characters a period
"""

from __future__ import annotations

from service.errors import QueueFullError, ServiceError


class InvalidKeyError(ServiceError):
    """One answer for a missing, unknown or revoked key: nothing tells them apart."""

    status_code = 401
    code = "invalid_api_key"


class KeyRateLimitError(QueueFullError):
    """A 429 with ``Retry-After`` as a full queue's, for a key or an address over its rate."""

    code = "rate_limited"


class KeyStoreUnavailableError(ServiceError):
    """Without its store no key can be checked: refuse (503, clients retry), never let in."""

    status_code = 503
    code = "key_store_unavailable"
