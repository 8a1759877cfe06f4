"""v1 routes: thin wrappers whose docstrings feed the OpenAPI page."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.api.deps import RuntimeDep, unless_disconnected
from service.api.v1 import serving
from service.api.v1.protocol import (
    ErrorResponse,
    LanguagesResponse,
    TranslateRequest,
    TranslateResponse,
)

router = APIRouter(prefix="/v1", tags=["v1"])

_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Unsupported direction",
        413: "Body, texts or characters over the limits",
        422: "Empty or invalid text",
        429: "Queue full; see Retry-After",
        503: "Not ready",
    }.items()
}


@router.post("/translate", response_model=TranslateResponse, responses=_ERRORS)
async def translate(
    body: TranslateRequest, request: Request, runtime: RuntimeDep
) -> TranslateResponse:
    """Translate one text or a list of texts; translations come back in input order.

    Whitespace, line breaks and placeholders (``{name}``, ``%s``, tags, URLs...) are kept.
    """
    return await unless_disconnected(request, serving.translate(runtime.pipeline, body))


@router.get("/languages", response_model=LanguagesResponse)
async def languages(runtime: RuntimeDep) -> LanguagesResponse:
    """The directions served, with each bundle's name, version, teacher and quality."""
    return serving.languages(runtime.registry)
