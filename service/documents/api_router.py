"""Thin routes of document translation; wire them with :func:`include_documents`.

``/v1/documents`` (ours) and the DeepL v2 document endpoints, usable with the official client::

    import deepl
    translator = deepl.Translator("any-key", server_url="http://127.0.0.1:8000")
    translator.translate_document_from_filepath("in.docx", "out.docx", target_lang="DE")
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from service.api.deepl.formality import check_formality
from service.api.deepl.options import refuse_unsupported, requested_glossary
from service.api.openapi import error_responses
from service.documents.errors import (
    DocumentTooLargeError,
    InvalidDocumentRequestError,
    SegmentFailedError,
)
from service.documents.jobs import JobRecord
from service.documents.protocol import (
    DEEPL_UPLOAD_BODY,
    KEY_BODY,
    LOW_CONFIDENCE_HEADER,
    TRANSLATED_FILE,
    UNTRANSLATED_HEADER,
    UPLOAD_BODY,
    UPLOAD_ERRORS,
    DeepLDocumentHandle,
    DeepLDocumentStatus,
    DocumentCreated,
    DocumentStatusPublic,
)
from service.documents.segments import Translations
from service.documents.serving import DirectResult, DocumentService, Mode, TranslatorFactory
from service.documents.settings import DocumentSettings
from service.glossaries import GlossaryService
from service.glossaries.errors import GlossaryNotFoundError
from service.text import SplitMode, TermFinder

router = APIRouter(tags=["documents"])
_FORM_OVERHEAD = 64 * 1024  # multipart headers and small fields on top of the file itself


def _service(request: Request) -> DocumentService:
    service = request.app.state.documents
    assert isinstance(service, DocumentService)
    return service


Service = Annotated[DocumentService, Depends(_service)]


async def read_upload(request: Request, max_bytes: int) -> tuple[dict[str, str], str, bytes]:
    """Fields, file name and file bytes of a multipart upload, counting bytes as they arrive:
    over the limit, reading stops with a 413 (nothing is buffered past it)."""
    limit = max_bytes + _FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise DocumentTooLargeError()
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidDocumentRequestError("Send the document as multipart/form-data.")

    async def counted() -> AsyncGenerator[bytes, None]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise DocumentTooLargeError()
            yield chunk

    parser = MultiPartParser(request.headers, counted(), max_files=1, max_fields=20)
    try:
        form = await parser.parse()
    except MultiPartException:
        raise InvalidDocumentRequestError("The multipart body could not be read.") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidDocumentRequestError("The form has no 'file' part.")
        data = await upload.read()
        if len(data) > max_bytes:
            raise DocumentTooLargeError()
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        return fields, upload.filename or "", data
    finally:
        await form.close()


def _file_response(
    data: bytes, filename: str, media_type: str, untranslated: int, low_confidence: int
) -> Response:
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename or 'document')}",
        UNTRANSLATED_HEADER: str(untranslated),
        LOW_CONFIDENCE_HEADER: str(low_confidence),
    }
    return Response(data, media_type=media_type, headers=headers)


def _job_file(data: bytes, record: JobRecord) -> Response:
    return _file_response(
        data,
        record.filename,
        record.media_type,
        record.segments_untranslated,
        record.segments_low_confidence,
    )


@router.post(
    "/v1/documents",
    responses={**TRANSLATED_FILE, 202: {"model": DocumentCreated}, **UPLOAD_ERRORS},
    openapi_extra=UPLOAD_BODY,
)
async def submit_document(request: Request, service: Service) -> Response:
    """Translate a document (multipart: ``file``, ``source``, ``target``, optional ``mode``:
    auto/sync/async). Small documents come back translated at once; larger ones get 202 and an
    id to poll."""
    fields, filename, data = await read_upload(request, service.settings.max_upload_bytes)
    mode = fields.get("mode", "auto")
    if mode not in ("auto", "sync", "async"):
        raise InvalidDocumentRequestError("mode must be auto, sync or async.")
    mode_value: Mode = mode  # type: ignore[assignment]
    outcome = await service.submit(
        data, filename, fields.get("source") or None, fields.get("target", ""), mode_value
    )
    if isinstance(outcome, DirectResult):
        return _file_response(
            outcome.data,
            outcome.filename,
            outcome.media_type,
            outcome.report.untranslated,
            outcome.report.low_confidence,
        )
    body = DocumentCreated(id=outcome.id, status=outcome.status)
    return JSONResponse(body.model_dump(), status_code=202)


@router.get("/v1/documents/{job_id}", responses=error_responses(404))
async def document_status(job_id: str, service: Service) -> DocumentStatusPublic:
    """Status, progress (segments done/total), estimated seconds remaining and characters."""
    record = await run_in_threadpool(service.status, job_id)
    return DocumentStatusPublic.of(record)


@router.get(
    "/v1/documents/{job_id}/result", responses={**TRANSLATED_FILE, **error_responses(404, 409)}
)
async def document_result(job_id: str, service: Service) -> Response:
    """The translated document (409 while it is still being translated)."""
    data, record = await run_in_threadpool(service.result, job_id)
    return _job_file(data, record)


@router.delete("/v1/documents/{job_id}", status_code=204, responses=error_responses(404))
async def delete_document(job_id: str, service: Service) -> Response:
    """Forget a job and its result."""
    await run_in_threadpool(service.delete, job_id)
    return Response(status_code=204)


async def _fields(request: Request) -> dict[str, Any]:
    """DeepL clients send JSON or form bodies to the status and result endpoints."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise InvalidDocumentRequestError("The JSON body could not be read.") from None
        return body if isinstance(body, dict) else {}
    form = await request.form(max_files=0, max_fields=20)
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


@router.post(
    "/v2/document",
    responses=UPLOAD_ERRORS,
    openapi_extra=DEEPL_UPLOAD_BODY,
)
async def deepl_upload(request: Request, service: Service) -> DeepLDocumentHandle:
    """DeepL: upload a document (``glossary_id`` or one ``glossary_ids`` too, with
    ``source_lang``); always a job. ``formality`` and the refused options as on
    ``/v2/translate``; ``output_format`` only the document's own."""
    fields, filename, data = await read_upload(request, service.settings.max_upload_bytes)
    filename = fields.get("filename") or filename
    refuse_unsupported(fields)
    check_formality(fields.get("formality") or None)
    _check_output_format(fields.get("output_format") or None, filename)
    source, target = fields.get("source_lang") or None, fields.get("target_lang", "")
    terms = await _glossary_terms(request, source, target, requested_glossary(fields))
    factory = pipeline_translator_factory(request.app, terms) if terms is not None else None
    outcome = await service.submit(data, filename, source, target, "async", factory)
    assert not isinstance(outcome, DirectResult)
    return DeepLDocumentHandle(document_id=outcome.id, document_key=outcome.key)


def _check_output_format(output_format: str | None, filename: str | None) -> None:
    """DeepL converts some formats (PDF to DOCX); here a document comes back in its own format,
    so any other `output_format` is refused rather than ignored."""
    if output_format is None:
        return
    own = Path(filename or "").suffix.lstrip(".").lower()
    if output_format.lower().lstrip(".") != own:
        raise InvalidDocumentRequestError(
            f"output_format {output_format!r} is not supported for this document: documents "
            f"come back in the format they came in ({own or 'unknown'})."
        )


async def _glossary_terms(
    request: Request, source: str | None, target: str, glossary_id: str | None
) -> TermFinder | None:
    """The glossary's terms; an app that serves documents without glossaries knows no glossary."""
    glossaries: GlossaryService | None = getattr(request.app.state, "glossaries", None)
    if glossaries is None:
        if glossary_id is not None:
            raise GlossaryNotFoundError(f"no glossary {glossary_id}: glossaries are not served")
        return None
    return await glossaries.terms_for(source, target, glossary_id)


@router.post(
    "/v2/document/{document_id}", responses=error_responses(400, 404), openapi_extra=KEY_BODY
)
async def deepl_status(document_id: str, request: Request, service: Service) -> DeepLDocumentStatus:
    """DeepL: status of an uploaded document."""
    key = str((await _fields(request)).get("document_key", ""))
    record = await run_in_threadpool(service.status, document_id, key)
    return DeepLDocumentStatus.of(record)


@router.post(
    "/v2/document/{document_id}/result",
    responses={**TRANSLATED_FILE, **error_responses(400, 404, 409)},
    openapi_extra=KEY_BODY,
)
async def deepl_result(document_id: str, request: Request, service: Service) -> Response:
    """DeepL: download the translated document, once (DeepL removes it when downloaded)."""
    key = str((await _fields(request)).get("document_key", ""))
    data, record = await run_in_threadpool(service.result, document_id, key, True)
    return _job_file(data, record)


def include_documents(
    app: FastAPI,
    translator_factory: TranslatorFactory | None = None,
    settings: DocumentSettings | None = None,
) -> DocumentService:
    """Add the document routes to ``app``; call ``.close()`` on the result at shutdown.

    Without a factory, documents are translated by the app's own pipeline
    (:func:`pipeline_translator_factory`).
    """
    service = DocumentService(
        settings or DocumentSettings(),
        translator_factory or pipeline_translator_factory(app),
    )
    app.state.documents = service
    app.include_router(router)
    return service


def pipeline_translator_factory(
    app: FastAPI,
    terms: TermFinder | None = None,
    split: SplitMode = "lines",
    preserve_formatting: bool = False,
) -> TranslatorFactory:
    """Adapter to the service core: worker threads run ``TranslationPipeline.translate`` on the
    app's event loop (where its dispatchers live), with the glossary `terms` if given, the
    sentence `split` and `preserve_formatting` (DeepL's tagged text), and wait for the answer.
    A sentence the engine cannot translate even alone becomes SegmentFailedError (the document
    keeps it); every other error (queue full, not ready) propagates unchanged."""
    from service.errors import NotReady, SentenceFailedError, UnsupportedDirection
    from service.pipeline import normalize_language

    def factory(source: str | None, target: str) -> Any:
        runtime = getattr(app.state, "runtime", None)
        if runtime is None:
            raise NotReady("models are still loading")
        loop = asyncio.get_running_loop()
        wanted = normalize_language(target)
        if source is None:
            sources = [
                m.manifest.source_lang
                for m in runtime.registry.models
                if m.manifest.target_lang == wanted
            ]
            if len(sources) != 1:
                raise UnsupportedDirection(
                    "give source_lang: it cannot be inferred for this target"
                )
            source = sources[0]
        runtime.registry.get(normalize_language(source), wanted)
        direction = (source, target)

        def translate(batch: list[str]) -> Translations:
            future = asyncio.run_coroutine_threadsafe(
                runtime.pipeline.translate(
                    batch,
                    *direction,
                    terms=terms,
                    split=split,
                    preserve_formatting=preserve_formatting,
                ),
                loop,
            )
            try:
                outcome = future.result()
            except SentenceFailedError:
                raise SegmentFailedError() from None
            texts = list(outcome.translations)
            low = [q.low_confidence for q in outcome.quality]
            return Translations(texts, low if len(low) == len(texts) else [False] * len(texts))

        return translate

    return factory
