"""``GET /v1/admin/usage``: every key's usage and cost, from the shared store (all replicas
together), for the operator's bill-back. It takes ``Authorization: Bearer <MT_AUTH_ADMIN_KEY>``;
with no admin key set it is refused like a bad key. Wrong admin keys count towards the
address's bad-key limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service.api.v1.protocol import ErrorResponse
from service.auth.guard import KeyGuard, KeyUsage
from service.auth.keys import hash_key
from service.auth.middleware import Network, client_address, presented_key

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class KeysUsage(BaseModel):
    keys: list[KeyUsage]


class AdminAccess:
    """The admin key's hash (none: every try is refused) and the trusted proxies."""

    def __init__(self, guard: KeyGuard, admin_key: str | None, proxies: list[Network]) -> None:
        self.guard = guard
        self.admin_hash = hash_key(admin_key) if admin_key else None
        self.proxies = proxies


async def _admin(request: Request) -> KeyGuard:
    access: AdminAccess = request.app.state.auth_admin
    scope = request.scope
    client = client_address(scope, access.proxies)
    await run_in_threadpool(
        access.guard.check_admin, presented_key(scope), client, access.admin_hash
    )
    return access.guard


Admin = Annotated[KeyGuard, Depends(_admin)]


_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "No admin key set, or a wrong admin key"},
    429: {"model": ErrorResponse, "description": "Too many bad keys from this address"},
}


@router.get("/usage", responses=_RESPONSES)
async def usage(guard: Admin) -> KeysUsage:
    """Per key name: this period's characters against the quota, requests, characters,
    student cost and teacher-equivalent cost to date (revoked keys included)."""
    return KeysUsage(keys=await run_in_threadpool(guard.all_usage))
