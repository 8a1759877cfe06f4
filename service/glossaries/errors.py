"""Typed errors of glossaries; the app maps them to its envelope (DeepL's shape on ``/v2``)::

ServiceError
├── InvalidGlossaryError        400  bad entries, name, format or language pair
├── GlossaryMismatchError       400  the glossary's languages are not the request's
├── GlossaryNotFoundError       404  unknown or deleted glossary
├── GlossaryTooLargeError       413  over the entry or byte limit (DeepL surface: 400)
└── GlossaryStoreFullError      409  no room for another glossary (DeepL surface: 400)
"""

from __future__ import annotations

from service.errors import ServiceError


class InvalidGlossaryError(ServiceError):
    status_code = 400
    code = "invalid_glossary"


class GlossaryMismatchError(ServiceError):
    status_code = 400
    code = "glossary_mismatch"


class GlossaryNotFoundError(ServiceError):
    status_code = 404
    code = "glossary_not_found"


class GlossaryTooLargeError(ServiceError):
    status_code = 413
    code = "glossary_too_large"


class GlossaryStoreFullError(ServiceError):
    status_code = 409
    code = "glossary_store_full"
