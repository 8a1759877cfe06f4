"""v1 routes: thin wrappers whose docstrings feed the OpenAPI page."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.api.deps import RuntimeDep, unless_disconnected
from service.api.openapi import error_responses
from service.api.v1 import serving
from service.api.v1.protocol import (
    LanguagesResponse,
    TranslateRequest,
    TranslateResponse,
)
from service.glossaries import GlossaryService

router = APIRouter(prefix="/v1", tags=["v1"])


@router.post(
    "/translate",
    response_model=TranslateResponse,
    responses=error_responses(400, 404, 413, 422, 429, 503),
)
async def translate(
    body: TranslateRequest, request: Request, runtime: RuntimeDep
) -> TranslateResponse:
    """Translate one text or a list of texts; translations come back in input order.

    Whitespace, line breaks and placeholders (``{name}``, ``%s``, tags, URLs...) are kept;
    the terms of ``glossary_id`` or of the inline ``glossary`` come back as their targets.
    """
    glossaries: GlossaryService = request.app.state.glossaries
    terms = await glossaries.terms_for(body.source, body.target, body.glossary_id, body.glossary)
    return await unless_disconnected(request, serving.translate(runtime.pipeline, body, terms))


@router.get("/languages", response_model=LanguagesResponse, responses=error_responses(503))
async def languages(runtime: RuntimeDep) -> LanguagesResponse:
    """The directions served, with each bundle's name, version, teacher and quality."""
    return serving.languages(runtime.registry)
