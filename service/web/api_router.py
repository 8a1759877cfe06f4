"""Thin routes of the web page; wire them with :func:`include_web`.

``GET /`` is the page, ``/ui/static/*`` its assets, ``/ui/costs`` and ``/ui/models`` the JSON it
reads besides the public API, ``/ui/models/{direction}/report`` a bundle's build report.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from service.api.deps import RuntimeDep
from service.api.openapi import error_responses
from service.engine.registry import LoadedModel
from service.web import serving
from service.web.protocol import CostTotalsPublic, ModelsResponse
from service.web.settings import WebSettings
from service.web.totals import CostTotals

router = APIRouter(tags=["ui"])


def _totals(request: Request) -> CostTotals:
    totals: CostTotals = request.app.state.web_totals
    return totals


def _model(direction: str, runtime: RuntimeDep) -> LoadedModel:
    model = serving.find_model(runtime.registry, direction)
    if model is None:
        raise HTTPException(404, f"no model serves the direction {direction!r}")
    return model


ModelDep = Annotated[LoadedModel, Depends(_model)]


def _secured(response: Response) -> Response:
    response.headers.update(serving.SECURITY_HEADERS)
    return response


@router.get("/", include_in_schema=False)
async def page(request: Request) -> Response:
    return _secured(HTMLResponse(request.app.state.web_page))


@router.get("/ui/static/{name}", include_in_schema=False)
async def asset(name: str, request: Request) -> Response:
    found = request.app.state.web_assets.get(name)
    if found is None:
        raise HTTPException(404, "no such file")
    return _secured(Response(found.body, media_type=found.media_type))


@router.get("/ui/costs", response_model=CostTotalsPublic)
async def costs(totals: Annotated[CostTotals, Depends(_totals)]) -> CostTotalsPublic:
    """What this process translated and what it cost since it started, per teacher what the
    same requests would have cost there, and the savings (the page's cost panel)."""
    return totals.snapshot()


@router.get("/ui/models", response_model=ModelsResponse, responses=error_responses(503))
async def models(runtime: RuntimeDep) -> ModelsResponse:
    """Each served bundle: name, version, teacher, quality against the teacher, its report."""
    return serving.models(runtime.registry)


@router.get("/ui/models/{direction}/report", include_in_schema=False)
async def report(model: ModelDep) -> Response:
    rendered = serving.render_report(model)
    if rendered is None:
        raise HTTPException(404, "this bundle has no report")
    return _secured(HTMLResponse(rendered))


@router.get("/ui/models/{direction}/{name}", include_in_schema=False)
async def report_image(name: str, model: ModelDep) -> Response:
    image = serving.report_image(model, name)
    if image is None:
        raise HTTPException(404, "no such image in this bundle")
    return _secured(Response(image.body, media_type=image.media_type))


def include_web(app: FastAPI, settings: WebSettings) -> CostTotals:
    """Serve the page (unless ``MT_UI=false``: then nothing at ``/``); the totals returned are
    the pipeline usage listener the cost panel reads."""
    totals = CostTotals()
    app.state.web_totals = totals
    if settings.ui:
        app.state.web_page = serving.render_page(settings)
        app.state.web_assets = serving.load_assets()
        app.include_router(router)
    return totals
