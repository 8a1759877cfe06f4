"""DeepL v2 glossary routes, thin over ``service.glossaries``; wire them with
:func:`include_glossaries`. Usable with the official client::

    translator = deepl.Translator("any-key", server_url="http://127.0.0.1:8000")
    glossary = translator.create_glossary("brand", "EN", "DE", {"bike": "Velo"})
    translator.translate_text("A bike.", source_lang="EN", target_lang="DE", glossary=glossary)

With API keys off, every caller sees and may delete every glossary; with keys on, each key
sees, uses and deletes only its own (another key's is a 404). Store calls run off the event
loop (Redis is a network round trip).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service.api.deepl.api_router import _body_fields
from service.api.deepl.protocol import DeepLErrorResponse
from service.api.deps import RuntimeDep
from service.engine.registry import ModelRegistry
from service.errors import InvalidRequestError
from service.glossaries import GlossaryInfo, GlossaryService, GlossarySettings
from service.glossaries.entries import entries_tsv

router = APIRouter(prefix="/v2", tags=["glossaries"])

_ERRORS = {
    400: "Invalid entries, name, format or language pair; over a glossary limit",
    404: "No such glossary (unknown or deleted)",
    413: "The request body is over the body limit",
    503: "Not ready (starting or draining)",
}
TSV = "text/tab-separated-values"


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": DeepLErrorResponse, "description": _ERRORS[s]} for s in statuses}


def _glossaries(request: Request) -> GlossaryService:
    service = request.app.state.glossaries
    assert isinstance(service, GlossaryService)
    return service


Glossaries = Annotated[GlossaryService, Depends(_glossaries)]


class GlossaryCreate(BaseModel):
    name: str
    source_lang: str
    target_lang: str
    entries: str
    entries_format: str = "tsv"


class GlossaryList(BaseModel):
    glossaries: list[GlossaryInfo]


class GlossaryLanguagePair(BaseModel):
    source_lang: str
    target_lang: str


class GlossaryLanguagePairs(BaseModel):
    supported_languages: list[GlossaryLanguagePair]


def served_pairs(registry: ModelRegistry) -> list[tuple[str, str]]:
    return sorted({(m.manifest.source_lang, m.manifest.target_lang) for m in registry.models})


def _create_fields(fields: dict[str, Any]) -> GlossaryCreate:
    missing = [
        name for name in ("name", "source_lang", "target_lang", "entries") if not fields.get(name)
    ]
    if missing:
        raise InvalidRequestError(f"missing {', '.join(missing)}")
    values = {key: fields[key] for key in GlossaryCreate.model_fields if key in fields}
    if not all(isinstance(value, str) for value in values.values()):
        raise InvalidRequestError("name, source_lang, target_lang, entries must be strings")
    return GlossaryCreate.model_validate(values)


@router.post(
    "/glossaries",
    status_code=201,
    response_model=GlossaryInfo,
    responses=_responses(400, 413, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                kind: {"schema": GlossaryCreate.model_json_schema()}
                for kind in ("application/json", "application/x-www-form-urlencoded")
            },
        }
    },
)
async def create_glossary(
    request: Request, runtime: RuntimeDep, glossaries: Glossaries
) -> GlossaryInfo:
    """Create a glossary from TSV or CSV entries (JSON or form body, as DeepL takes it)."""
    body = _create_fields(await _body_fields(request))
    pairs = served_pairs(runtime.registry)
    return await run_in_threadpool(
        glossaries.create,
        body.name,
        body.source_lang,
        body.target_lang,
        body.entries,
        body.entries_format,
        pairs,
    )


@router.get("/glossaries", response_model=GlossaryList, responses=_responses(503))
async def list_glossaries(glossaries: Glossaries) -> GlossaryList:
    """Every glossary of the caller's key (every glossary with keys off)."""
    return GlossaryList(glossaries=await run_in_threadpool(glossaries.all))


@router.get(
    "/glossaries/{glossary_id}", response_model=GlossaryInfo, responses=_responses(404, 503)
)
async def get_glossary(glossary_id: str, glossaries: Glossaries) -> GlossaryInfo:
    """One glossary's name, languages and entry count."""
    return await run_in_threadpool(glossaries.info, glossary_id)


@router.get(
    "/glossaries/{glossary_id}/entries",
    response_class=Response,
    responses={200: {"content": {TSV: {}}}, **_responses(404, 503)},
)
async def glossary_entries(glossary_id: str, glossaries: Glossaries) -> Response:
    """The entries as TSV, one ``source<TAB>target`` per line."""
    entries = await run_in_threadpool(glossaries.entries, glossary_id)
    return Response(entries_tsv(entries), media_type=TSV)


@router.delete(
    "/glossaries/{glossary_id}",
    status_code=204,
    response_class=Response,
    responses=_responses(404, 503),
)
async def delete_glossary(glossary_id: str, glossaries: Glossaries) -> Response:
    """Delete a glossary; translations naming it are refused from now on, on every replica."""
    await run_in_threadpool(glossaries.delete, glossary_id)
    return Response(status_code=204)


@router.get(
    "/glossary-language-pairs", response_model=GlossaryLanguagePairs, responses=_responses(503)
)
async def language_pairs(runtime: RuntimeDep) -> GlossaryLanguagePairs:
    """The pairs a glossary may have: the directions served."""
    return GlossaryLanguagePairs(
        supported_languages=[
            GlossaryLanguagePair(source_lang=s, target_lang=t)
            for s, t in served_pairs(runtime.registry)
        ]
    )


def include_glossaries(app: FastAPI, settings: GlossarySettings) -> GlossaryService:
    """Add the glossary routes to ``app``; call ``.close()`` on the result at shutdown."""
    service = GlossaryService(settings)
    app.state.glossaries = service
    app.include_router(router)
    return service
