"""API keys: per-key rate limits, character quotas, usage and cost (``MT_AUTH_``, off by
default). Wire with :func:`include_auth`; manage keys with ``python -m service.auth keys``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry
from starlette.concurrency import run_in_threadpool

from service.auth.api_router import AdminAccess, router
from service.auth.guard import CURRENT_KEY, KeyGuard, KeyUsage
from service.auth.metrics import AuthMetrics
from service.auth.middleware import ErrorBody, KeyAuthMiddleware, trusted_networks
from service.auth.settings import AuthSettings
from service.auth.store import KeyStore, open_store
from service.pipeline import UsageListener

__all__ = ["AuthSettings", "KeyAuth", "KeyUsage", "current_key_name", "include_auth", "key_usage"]

logger = logging.getLogger(__name__)


@dataclass
class KeyAuth:
    """What the app needs of the key check: its usage listener (first, so a translation over
    the quota is refused before the others count it) and closing the store."""

    listeners: list[UsageListener] = field(default_factory=list)
    close: Callable[[], None] = lambda: None


def include_auth(
    app: FastAPI, settings: AuthSettings, registry: CollectorRegistry, error_body: ErrorBody
) -> KeyAuth:
    """Adds the key middleware and the admin route when keys are on."""
    if not settings.enabled:
        return KeyAuth()
    proxies = trusted_networks(settings.trusted_proxies)
    store: KeyStore = open_store(settings)
    guard = KeyGuard(store, AuthMetrics(registry), settings.bad_keys_per_minute)
    admin_key = settings.admin_key.get_secret_value() if settings.admin_key else None
    app.state.auth_guard = guard
    app.state.auth_admin = AdminAccess(guard, admin_key, proxies)
    app.include_router(router)
    app.add_middleware(
        KeyAuthMiddleware, guard=guard, error_body=error_body, trusted_proxies=proxies
    )
    logger.info(
        "API keys required on /v1 and /v2 (store: %s)",
        "Redis" if settings.redis_url else settings.file,
    )
    return KeyAuth([guard.observe_usage], store.close)


def current_key_name() -> str | None:
    """The name of the request's key (None: keys off, or not a keyed route), for parts that
    keep things per key (glossaries' owner)."""
    record = CURRENT_KEY.get()
    return record.name if record is not None else None


async def key_usage(request: Request) -> KeyUsage | None:
    """The figures of the request's key; None when keys are off."""
    record = CURRENT_KEY.get()
    guard: KeyGuard | None = getattr(request.app.state, "auth_guard", None)
    if record is None or guard is None:
        return None
    return await run_in_threadpool(guard.usage, record)
