"""The app factory: `build_app(settings)` wires settings, models, routes, errors and metrics.

No import-time globals: everything lives on the app returned. The lifespan lets the server
answer at once (`/healthz` 200, `/readyz` 503) while, in the background, it loads and verifies
every bundle, starts the dispatchers and warms each model up with one translation; only then
is it ready. A load that fails marks the lifecycle failed (`/healthz` 503; `python -m service`
exits). On shutdown it turns readiness off at once, finishes queued work and stops.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from service.api.deepl.api_router import router as deepl_router
from service.api.deepl.errors import deepl_error_body, deepl_status, is_deepl_path
from service.api.glossaries import include_glossaries
from service.api.health import router as health_router
from service.api.metrics import router as metrics_router
from service.api.openapi import install_openapi
from service.api.v1.api_router import router as v1_router
from service.auth import AuthSettings, include_auth
from service.cost import CostAccounting, CostSettings, load_cost_settings
from service.documents import DocumentSettings, include_documents
from service.engine.dispatcher import BatchListener
from service.engine.registry import ModelRegistry
from service.errors import ClientDisconnectedError, ServiceError
from service.glossaries import GlossarySettings
from service.metrics import ServiceMetrics
from service.middleware import BodyLimitMiddleware, MetricsMiddleware
from service.pipeline import TranslationPipeline
from service.routing.budget import EscalationBudget
from service.routing.capture import open_capture
from service.routing.checks import dev_low_share
from service.routing.escalation import Router
from service.routing.memory import TeacherMemory
from service.routing.metrics import RoutingMetrics
from service.routing.settings import RoutingSettings, load_routing_settings
from service.runtime import Lifecycle, Runtime, UsageTotals
from service.settings import ServiceSettings
from service.web import WebSettings, include_web

logger = logging.getLogger(__name__)

WARM_UP_SENTENCE = "Hello world."
# Document uploads (service/documents) are bigger than text requests and limited there.
DOCUMENT_UPLOAD_PATHS = ("/v1/documents", "/v2/document")
DOCS_ASSETS_PATH = "/docs/assets"  # Swagger UI's and ReDoc's JS and CSS (fastapi-offline)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_body(path: str, status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    """Status and body of an error: the one envelope ``{"error": {"code", "message"}}``, and
    on the DeepL surface DeepL's shape and status (`service.api.deepl.errors`)."""
    if is_deepl_path(path):
        return deepl_status(status, code), deepl_error_body(code, message)
    return status, {"error": {"code": code, "message": message}}


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    answered, body = error_body(request.url.path, status, code, message)
    return JSONResponse(body, status_code=answered, headers=headers)


def error_body_bytes(path: str, code: str, message: str) -> bytes:
    """The body of the body-limit middleware's 413, shaped for its path."""
    return json.dumps(error_body(path, 413, code, message)[1]).encode()


def _validation_message(error: RequestValidationError) -> str:
    """Where and what, never the offending input (it may be request text)."""
    parts = []
    for item in error.errors()[:5]:
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        parts.append(f"{location or 'body'}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _client_left(request: Request) -> JSONResponse:
    """A client that closes mid-request is its own doing: one info line, a 499 nobody reads."""
    route = getattr(request.scope.get("route"), "path", "unmatched")
    logger.info("client closed the connection during %s %s", request.method, route)
    error = ClientDisconnectedError("the client closed the connection")
    return error_response(request, error.status_code, error.code, error.message)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to the envelope, in one place, and declare them so in the OpenAPI
    document (FastAPI's own 422 included; `service.api.openapi`)."""
    install_openapi(app)

    async def on_service_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceError)
        return error_response(request, exc.status_code, exc.code, exc.message, exc.headers)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, 422, "invalid_request", _validation_message(exc))

    async def on_client_disconnect(request: Request, exc: Exception) -> JSONResponse:
        return _client_left(request)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc.__cause__, ClientDisconnect):  # FastAPI's 400 for a body cut short
            return _client_left(request)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(request, exc.status_code, code, str(exc.detail), exc.headers)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal_error", "internal error")

    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(ClientDisconnect, on_client_disconnect)
    app.add_exception_handler(Exception, on_unexpected)


ModelLoader = Callable[[ServiceSettings, Sequence[BatchListener]], ModelRegistry]


def build_router(
    routing: RoutingSettings,
    cost: CostAccounting,
    settings: ServiceSettings,
    metrics: RoutingMetrics,
) -> Router:
    """The routing stage; with mode 'escalate', its teacher and budget (and the cost
    accounting learns how to price teacher-only requests)."""
    capture = open_capture(
        routing.capture,
        routing.capture_dir,
        routing.capture_redis_url,
        routing.capture_max_records,
        routing.capture_ttl_days,
    )
    checking = routing.mode != "off"
    if not routing.escalating:
        return Router(metrics, capture=capture, checking=checking)
    from service.teachers.factory import build_teacher  # loads CTranslate2 only when needed

    teacher, priced = build_teacher(routing, cost.settings, settings, [cost.on_teacher_batch])
    cost.escalate_to(priced)
    budget = EscalationBudget(routing.max_share, routing.window_sentences, routing.max_in_flight)
    size = routing.teacher_memory_size
    memory = TeacherMemory(size) if size else None
    return Router(metrics, teacher, budget, routing.timeout_seconds, capture, checking, memory)


def build_app(
    settings: ServiceSettings,
    cost_settings: CostSettings | None = None,
    load_models: ModelLoader = ModelRegistry.load,
    routing_settings: RoutingSettings | None = None,
) -> FastAPI:
    """Raises `service.cost.PriceConfigError` or `service.routing.settings.RoutingConfigError`
    (naming the variable) on a bad MT_COST_ or MT_ROUTING_ value."""
    metrics = ServiceMetrics()
    lifecycle = Lifecycle()
    cost = CostAccounting(cost_settings or load_cost_settings(), metrics.registry)
    routing = routing_settings or load_routing_settings()
    routing_metrics = RoutingMetrics(metrics.registry)
    router = build_router(routing, cost, settings, routing_metrics)

    async def start_serving(app: FastAPI) -> None:
        usage = UsageTotals()
        registry = await asyncio.to_thread(
            load_models, settings, [cost.on_batch, metrics.observe_batch]
        )
        metrics.watch_models(registry)
        cost.watch(registry)
        routing_metrics.initialize(
            [(m.direction, dev_low_share(m.manifest)) for m in registry.models],
            routing.mode,
            router.teacher.name if router.teacher is not None else "none",
            router.budget.share if router.budget is not None else lambda: 0.0,
        )
        pipeline = TranslationPipeline(
            registry,
            settings,
            usage_listeners=[
                *auth.listeners,  # first: a translation over its key's quota is refused
                metrics.observe_usage,
                usage.add,
                cost.observe_usage,
                router.observe_usage,
                web_totals.add,
            ],
            pricer=cost.price,
            outcome_listeners=[cost.after_translation],
            router=router,
        )
        await cost.shadow.start()
        await router.start()
        app.state.runtime = Runtime(settings, metrics, lifecycle, registry, pipeline, usage)
        registry.start()
        for model in registry.models:
            await model.dispatcher.submit([model.translator.tokenize(WARM_UP_SENTENCE)])
        lifecycle.ready = True
        logger.info("ready: serving %s", ", ".join(m.direction for m in registry.models))

    async def start_or_fail(app: FastAPI) -> None:
        try:
            await start_serving(app)
        except Exception:
            logger.exception("cannot serve: loading the models failed")
            lifecycle.failed = True

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        starting = asyncio.create_task(start_or_fail(app))
        try:
            yield
        finally:
            lifecycle.begin_draining()
            await starting  # a load in progress finishes (its thread cannot be interrupted)
            logger.info("draining: finishing queued work")
            await asyncio.to_thread(documents.close)
            await asyncio.to_thread(glossaries.close)
            runtime: Runtime | None = getattr(app.state, "runtime", None)
            if runtime is not None:
                await asyncio.to_thread(runtime.registry.stop)
            await cost.shadow.close()
            await router.close()
            await asyncio.to_thread(auth.close)
            logger.info("stopped")

    # /docs and /redoc load Swagger UI and ReDoc from the service itself (offline nodes);
    # no online validator badge either.
    app = FastAPIOffline(
        title="Distilled MT service",
        summary="Translate text with small CTranslate2 students on CPU.",
        version="0.1.0",
        lifespan=lifespan,
        static_url=DOCS_ASSETS_PATH,
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.lifecycle = lifecycle
    app.state.metrics = metrics
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(v1_router)
    app.include_router(deepl_router)
    app.include_router(metrics_router)
    documents = include_documents(app, settings=DocumentSettings())
    glossaries = include_glossaries(app, GlossarySettings())
    web_totals = include_web(app, WebSettings())
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        exempt_prefixes=DOCUMENT_UPLOAD_PATHS,
        error_body=error_body_bytes,
    )
    # Between the two: a refused key is counted in the metrics, and answered before the body.
    auth = include_auth(app, AuthSettings(), metrics.registry, error_body)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
