"""Pure ASGI middleware: every ``/v1`` and ``/v2`` request needs a key, checked before its body
is read (so a bad key costs no parsing).

The key comes as ``Authorization: DeepL-Auth-Key <key>`` on ``/v2`` (what DeepL clients send)
and ``Authorization: Bearer <key>`` on ``/v1``. The client address, for the bad-key limit, is
the peer's, or the last address in ``X-Forwarded-For`` not of a trusted proxy when the peer is
one (a client can write any ``X-Forwarded-For``; only trusted proxies' appends count).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from service.auth.guard import CURRENT_KEY, KeyGuard
from service.errors import ServiceError

PROTECTED_PREFIXES = ("/v1/", "/v2/")
ADMIN_PREFIX = "/v1/admin/"
# POSTs that start a translation: refused at once when the key's quota is spent.
TRANSLATING_PATHS = frozenset({"/v1/translate", "/v2/translate", "/v1/documents", "/v2/document"})
_SCHEMES = {"/v1/": "bearer", "/v2/": "deepl-auth-key"}

# (path, status, code, message) -> (status, body): the app's one error shape per surface.
ErrorBody = Callable[[str, int, str, str], tuple[int, dict[str, Any]]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(proxies: Sequence[str]) -> list[Network]:
    """Addresses or CIDR ranges; raises ValueError naming a bad one."""
    return [ipaddress.ip_network(proxy, strict=False) for proxy in proxies]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def presented_key(scope: Scope) -> str | None:
    """The key in ``Authorization`` with the scheme of the request's surface."""
    header = _header(scope, b"authorization")
    scheme = _SCHEMES.get(scope["path"][:4])
    if header is None or scheme is None:
        return None
    given, _, key = header.strip().partition(" ")
    if given.lower() != scheme:
        return None
    return key.strip() or None


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(scope: Scope, networks: Sequence[Network]) -> str:
    peer = scope.get("client")
    address = str(peer[0]) if peer else "unknown"
    if not _trusted(address, networks):
        return address
    forwarded = _header(scope, b"x-forwarded-for") or ""
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _trusted(hop, networks):
            return hop
    return address


class KeyAuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        guard: KeyGuard,
        error_body: ErrorBody,
        trusted_proxies: Sequence[Network] = (),
    ) -> None:
        self.app = app
        self.guard = guard
        self.error_body = error_body
        self.trusted_proxies = list(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith(PROTECTED_PREFIXES)
            or path.startswith(ADMIN_PREFIX)  # its own admin key (service.auth.api_router)
        ):
            await self.app(scope, receive, send)
            return
        translating = scope["method"] == "POST" and path in TRANSLATING_PATHS
        try:
            record = await run_in_threadpool(
                self.guard.admit,
                presented_key(scope),
                client_address(scope, self.trusted_proxies),
                translating,
            )
        except ServiceError as error:
            await self._refuse(path, error, send)
            return
        token = CURRENT_KEY.set(record)
        try:
            await self.app(scope, receive, send)
        finally:
            CURRENT_KEY.reset(token)

    async def _refuse(self, path: str, error: ServiceError, send: Send) -> None:
        status, body = self.error_body(path, error.status_code, error.code, error.message)
        payload = json.dumps(body).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
        headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
