"""``GET /metrics``: this app's own Prometheus registry, in the text exposition format."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.openapi import Responses

router = APIRouter(tags=["metrics"])


_EXPOSITION: Responses = {200: {"content": {"text/plain": {"schema": {"type": "string"}}}}}


@router.get("/metrics", response_class=Response, responses=_EXPOSITION)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests, latency, batch sizes, queue depth, cache, bundle info."""
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
