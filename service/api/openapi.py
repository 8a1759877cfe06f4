"""The OpenAPI document as the service really behaves, so a generated client can trust it.

Routes declare their error statuses with :func:`error_responses` (the one envelope). At
generation time :func:`install_openapi` adds what only the app knows: the configured limits
(schemas mark them with ``x-limit``), FastAPI's own 422, which the app answers in the
envelope too (``service.app``), not in FastAPI's ``HTTPValidationError`` shape, and, on the
DeepL surface (``/v2/``), DeepL's error shape and statuses (``service.api.deepl.errors``), and,
with API keys on, how each route takes its key and what the key check answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.api.deepl.errors import deepl_statuses, is_deepl_path
from service.api.deepl.protocol import DeepLErrorResponse
from service.api.v1.protocol import ErrorResponse
from service.auth.middleware import ADMIN_PREFIX, PROTECTED_PREFIXES, TRANSLATING_PATHS
from service.settings import ServiceSettings

_DESCRIPTIONS = {
    401: "API keys are on (MT_AUTH_ENABLED): the key is missing, unknown or revoked",
    400: "Bad request: a direction no bundle serves, or a malformed form",
    404: "No such job or glossary (unknown, deleted or expired)",
    409: "The job is not done yet, or it failed",
    413: "Over a limit: body bytes, texts or characters (see the error code)",
    415: "The document type is not supported or does not match its content",
    422: "Invalid request: the body or a parameter does not match the schema, an empty or "
    "invalid text, an unsafe or damaged document",
    429: "A queue is full; retry after the Retry-After header's seconds",
    503: "Not ready (starting or draining), or a translation worker stopped",
}

# The DeepL surface's statuses (service.api.deepl.errors), in DeepL's words where they differ.
_DEEPL_DESCRIPTIONS = {
    **_DESCRIPTIONS,
    400: "Bad request: an invalid parameter, a direction no bundle serves, a document type "
    "that is refused, or an unsafe or damaged document",
    403: "Authorization failed",
    413: "Over a limit: body bytes, texts, characters or the document's size",
    456: "Quota exceeded",
    503: "Not ready (starting or draining), a translation worker stopped, or the document "
    "is not translated yet",
}

Responses = dict[int | str, dict[str, Any]]


def error_responses(*statuses: int) -> Responses:
    """``responses=`` of a route: each status it can really answer, in the error envelope."""
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }


def deepl_error_responses(*statuses: int) -> Responses:
    """``responses=`` of a DeepL route: DeepL's statuses, in DeepL's error shape."""
    return {
        status: {"model": DeepLErrorResponse, "description": _DEEPL_DESCRIPTIONS[status]}
        for status in statuses
    }


def install_openapi(app: FastAPI) -> None:
    """Serve the contract: limits from ``app.state.settings``, every 422 in the envelope."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            _fill_limits(document, _limits(getattr(app.state, "settings", None)))
            _envelope_for_validation_errors(document)
            if getattr(app.state, "auth_guard", None) is not None:
                _key_errors_on_protected_paths(document)
            _deepl_errors_on_deepl_paths(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _limits(settings: ServiceSettings | None) -> dict[str, tuple[str, int]]:
    """``x-limit`` marker -> (JSON Schema keyword, value); none for an app without settings."""
    if settings is None:
        return {}
    return {
        "characters": ("maxLength", settings.max_chars_per_request),
        "texts": ("maxItems", settings.max_texts_per_request),
    }


def _fill_limits(node: Any, limits: dict[str, tuple[str, int]]) -> None:
    """Replace each ``x-limit`` marker with the keyword and value it stands for."""
    if isinstance(node, dict):
        marker = node.pop("x-limit", None)
        if marker in limits:
            keyword, value = limits[marker]
            node[keyword] = value
        children = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return
    for child in children:
        _fill_limits(child, limits)


def _envelope_for_validation_errors(document: dict[str, Any]) -> None:
    """FastAPI declares its 422 as ``HTTPValidationError``; the app answers the envelope."""
    envelope = error_responses(422)[422]
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422")
            if response is not None and "HTTPValidationError" in str(response):
                response.update(_envelope_response(envelope))
    schemas = document.get("components", {}).get("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)


_KEY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <key>`"},
    "deeplAuthKey": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Authorization: DeepL-Auth-Key <key>`, as DeepL's clients send it",
    },
}


def _key_errors_on_protected_paths(document: dict[str, Any]) -> None:
    """With API keys on (``service.auth``): how each ``/v1`` and ``/v2`` operation takes its
    key, and what the key check answers: a bad key (401; DeepL's 403), a key over its rate
    (429), and, on the POSTs that translate, a spent quota (429 on v1; DeepL's 456)."""
    envelope = error_responses(401, 429)
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(PROTECTED_PREFIXES) or path.startswith(ADMIN_PREFIX):
            continue
        scheme = "deeplAuthKey" if is_deepl_path(path) else "bearer"
        for method, operation in operations.items():
            operation["security"] = [{scheme: []}]
            responses = operation.setdefault("responses", {})
            for status, response in envelope.items():
                responses.setdefault(str(status), _envelope_response(response))
            if method == "post" and path in TRANSLATING_PATHS and is_deepl_path(path):
                responses.setdefault("456", {"description": _DEEPL_DESCRIPTIONS[456]})
    document.setdefault("components", {}).setdefault("securitySchemes", {}).update(_KEY_SCHEMES)


def _envelope_response(response: dict[str, Any]) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{ErrorResponse.__name__}"}
    return {
        "description": response["description"],
        "content": {"application/json": {"schema": schema}},
    }


def _deepl_errors_on_deepl_paths(document: dict[str, Any]) -> None:
    """Every error of a ``/v2/`` operation (the DeepL text routes, the DeepL document routes
    declared with the envelope, FastAPI's 422) as the app answers it there: DeepL's status
    and shape."""
    for path, operations in document.get("paths", {}).items():
        if is_deepl_path(path):
            for operation in operations.values():
                operation["responses"] = _as_deepl(operation.get("responses", {}))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(DeepLErrorResponse.__name__, DeepLErrorResponse.model_json_schema())


def _as_deepl(responses: dict[str, Any]) -> dict[str, Any]:
    deepl_error = {"$ref": f"#/components/schemas/{DeepLErrorResponse.__name__}"}
    out = {status: r for status, r in responses.items() if not status.startswith(("4", "5"))}
    for status in (s for s in responses if s.startswith(("4", "5"))):
        for deepl in deepl_statuses(int(status)):
            out[str(deepl)] = {
                "description": _DEEPL_DESCRIPTIONS[deepl],
                "content": {"application/json": {"schema": deepl_error}},
            }
    return dict(sorted(out.items()))
