"""Usage listeners run before the answer, off the event loop, in the request's context: an API
key's charge writes to SQLite or Redis and must not stall every other request."""

from __future__ import annotations

import asyncio
import contextvars
import threading

from service.engine.registry import LoadedModel, ModelRegistry
from service.pipeline import TranslationPipeline, Usage
from service.settings import ServiceSettings

REQUEST = contextvars.ContextVar[str]("REQUEST")


def test_listeners_see_the_usage_in_the_requests_context_on_a_worker_thread() -> None:
    settings = ServiceSettings(access_log=False)
    registry = ModelRegistry.load(settings, [])
    seen: list[tuple[str, int, bool]] = []

    def listener(model: LoadedModel, usage: Usage) -> None:
        seen.append((REQUEST.get(), usage.characters, threading.current_thread() is loop_thread))

    pipeline = TranslationPipeline(registry, settings, usage_listeners=[listener])

    async def request() -> str:
        REQUEST.set("request 1")
        outcome = await pipeline.translate(["A dog is running."], "en", "de")
        return outcome.translations[0]

    loop_thread = threading.current_thread()
    registry.start()
    try:
        translation = asyncio.run(request())
    finally:
        registry.stop()
    assert translation
    assert seen == [("request 1", len("A dog is running."), False)]
