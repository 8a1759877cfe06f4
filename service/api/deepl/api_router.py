"""DeepL v2 routes: ``/v2/translate`` (form or JSON body), ``/v2/languages``, ``/v2/usage``.

The ``Authorization: DeepL-Auth-Key ...`` header DeepL clients send is checked when API keys
are on (``service.auth``, ``MT_AUTH_ENABLED``), and accepted as it is when they are off.
Errors are answered in DeepL's shape and statuses (``service.api.deepl.errors``).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import ValidationError

from service.api.deepl import serving
from service.api.deepl.options import refuse_unsupported, requested_glossary
from service.api.deepl.protocol import (
    DeepLErrorResponse,
    DeepLLanguage,
    DeepLTranslateRequest,
    DeepLTranslateResponse,
    DeepLUsage,
)
from service.api.deps import RuntimeDep, unless_disconnected
from service.api.openapi import deepl_error_responses
from service.auth import key_usage
from service.documents import pipeline_translator_factory
from service.errors import InvalidRequestError
from service.glossaries import GlossaryService

router = APIRouter(prefix="/v2", tags=["deepl"])

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _body_fields(request: Request) -> dict[str, Any]:
    """A DeepL request's fields from a JSON or a form body (``text`` may repeat in forms)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _FORM_TYPES:
        form = await request.form()
        fields: dict[str, Any] = {key: form.get(key) for key in form}
        fields["text"] = [value for value in form.getlist("text") if isinstance(value, str)]
        return fields
    raw = await request.body()
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise InvalidRequestError("the body is neither JSON nor a form") from None
    if not isinstance(parsed, dict):
        raise InvalidRequestError("the JSON body must be an object")
    return parsed


def _validation_message(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors()[:5]
    )


@router.post(
    "/translate",
    response_model=DeepLTranslateResponse,
    responses={
        **deepl_error_responses(400, 413, 429, 503),
        404: {"model": DeepLErrorResponse, "description": "No such glossary"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": DeepLTranslateRequest.model_json_schema()},
                "application/x-www-form-urlencoded": {
                    "schema": DeepLTranslateRequest.model_json_schema()
                },
            },
        }
    },
)
async def translate(request: Request, runtime: RuntimeDep) -> DeepLTranslateResponse:
    """DeepL-compatible text translation: ``text`` list, ``source_lang``, ``target_lang``,
    ``glossary_id`` or one ``glossary_ids`` (``/v2/glossaries``), ``split_sentences``,
    ``tag_handling`` and its tag lists, ``formality``; options for features this server lacks
    are refused (docs/service.md, "DeepL options")."""
    fields = await _body_fields(request)
    if isinstance(fields.get("text"), str):
        fields["text"] = [fields["text"]]
    refuse_unsupported(fields)
    fields["glossary_id"] = requested_glossary(fields)
    try:
        body = DeepLTranslateRequest.model_validate(fields)
    except ValidationError as error:
        raise InvalidRequestError(_validation_message(error)) from None
    glossaries: GlossaryService = request.app.state.glossaries
    terms = await glossaries.terms_for(body.source_lang, body.target_lang, body.glossary_id)
    tagged = None
    if body.tag_handling is not None:
        translators = pipeline_translator_factory(
            request.app, terms, serving.split_mode(body), body.preserve_formatting
        )
        tagged = serving.TaggedText(translators, request.app.state.documents.settings)
    work = serving.translate(runtime.pipeline, body, terms, tagged)
    return await unless_disconnected(request, work)


# GET and POST each get their own operation id (one route with both would repeat it).
_LANGUAGES: dict[str, Any] = {
    "response_model": list[DeepLLanguage],
    "response_model_exclude_none": True,
}


@router.get(
    "/languages",
    operation_id="deepl_languages",
    **_LANGUAGES,
    responses=deepl_error_responses(400, 503),
)
@router.post(
    "/languages",
    operation_id="deepl_languages_form",
    **_LANGUAGES,
    responses=deepl_error_responses(400, 413, 503),
)
async def languages(
    request: Request, runtime: RuntimeDep, type: Literal["source", "target"] | None = None
) -> list[DeepLLanguage]:
    """Source or target languages (``type=source|target``, from the query or a form body)."""
    kind = type
    if kind is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get("type")
        kind = "target" if value == "target" else None
    return serving.languages(runtime.registry, kind or "source")


@router.get("/usage", operation_id="deepl_usage", responses=deepl_error_responses(503))
@router.post("/usage", operation_id="deepl_usage_form", responses=deepl_error_responses(413, 503))
async def usage(request: Request, runtime: RuntimeDep) -> DeepLUsage:
    """With API keys on, the key's characters this period and its quota; else the
    characters translated by this process (DeepL's usage shape)."""
    own = await key_usage(request)
    if own is not None:
        limit = own.character_limit or serving.CHARACTER_LIMIT
        return DeepLUsage(character_count=own.character_count, character_limit=limit)
    return serving.usage(runtime.usage)
