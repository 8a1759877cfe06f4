"""JSON Schema keywords of what the service accepts, shared by the request schemas.

The checks themselves run in the pipeline (`TranslationPipeline.check_texts`, with their own
error codes); these keywords state the same rules in the OpenAPI document. Limits that come
from the settings are marked ``x-limit`` and filled in by `service.api.openapi`.
"""

from __future__ import annotations

from typing import Any

# At least one character that is not whitespace, and no NUL; whitespace as Python's
# str.isspace (what the pipeline strips), which is what \s means in Python's re.
TEXT_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
# Language codes the service normalises: "en", "EN-GB", "pt_BR", "zh-Hant".
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$"


def text_schema() -> dict[str, Any]:
    """One translatable text: non-blank, no NUL, at most the characters of one request."""
    return {"minLength": 1, "pattern": TEXT_PATTERN, "x-limit": "characters"}


def texts_schema() -> dict[str, Any]:
    """A list of texts: at least one, at most the texts of one request."""
    return {"minItems": 1, "x-limit": "texts"}


def language_schema() -> dict[str, Any]:
    return {"pattern": LANGUAGE_PATTERN}
