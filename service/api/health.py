"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from service.api.deps import RuntimeDep
from service.api.openapi import error_responses
from service.errors import EngineDeadError, NotReadyError
from service.runtime import Lifecycle, Runtime

router = APIRouter(tags=["health"])


class Status(BaseModel):
    status: str


@router.get("/healthz", response_model=Status, responses=error_responses(503))
async def healthz(request: Request) -> Status:
    """Alive: the process answers (also while loading) and every model's worker threads run."""
    lifecycle: Lifecycle = request.app.state.lifecycle
    if lifecycle.failed:
        raise EngineDeadError("the models failed to load")
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None or not lifecycle.serving:
        return Status(status="alive")
    dead = [m.direction for m in runtime.registry.models if not m.dispatcher.alive]
    if dead:
        raise EngineDeadError(f"translation worker stopped for {', '.join(dead)}")
    return Status(status="alive")


@router.get(
    "/readyz",
    response_model=Status,
    responses=error_responses(503),
)
async def readyz(runtime: RuntimeDep) -> Status:
    """Ready: every bundle loaded, checksums verified and a warm-up translation done.

    Answers 503 before that and from the moment the process is asked to stop (draining).
    """
    if runtime.lifecycle.draining:
        raise NotReadyError("draining: the service is shutting down")
    if not runtime.lifecycle.ready:
        raise NotReadyError("the service is starting")
    return Status(status="ready")
