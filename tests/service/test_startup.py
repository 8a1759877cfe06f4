"""While the models load, the service already answers: alive, not ready, no translations yet.

The app runs in-process (its own lifespan, an ASGI client) with the real loader behind a gate,
so the test decides when loading ends.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import httpx

from service.app import build_app
from service.engine.dispatcher import BatchListener
from service.engine.registry import ModelRegistry
from service.settings import ServiceSettings

TRANSLATE = {"text": "A dog is running.", "source": "en", "target": "de"}


class GatedLoader:
    """`ModelRegistry.load` that waits for the test to open the gate (or fails if told to)."""

    def __init__(self, fail: bool = False) -> None:
        self.gate = threading.Event()
        self.fail = fail

    def __call__(
        self, settings: ServiceSettings, listeners: Sequence[BatchListener]
    ) -> ModelRegistry:
        self.gate.wait(30)
        if self.fail:
            raise RuntimeError("model.bin is unreadable")
        return ModelRegistry.load(settings, listeners)


async def statuses(client: httpx.AsyncClient) -> dict[str, int]:
    return {
        "healthz": (await client.get("/healthz")).status_code,
        "readyz": (await client.get("/readyz")).status_code,
        "translate": (await client.post("/v1/translate", json=TRANSLATE)).status_code,
    }


async def wait_for(client: httpx.AsyncClient, path: str, status: int) -> int:
    for _ in range(600):
        answer = (await client.get(path)).status_code
        if answer == status:
            return answer
        await asyncio.sleep(0.05)
    return answer


def run_app(tiny_bundle: Path, loader: GatedLoader) -> tuple[dict[str, int], dict[str, int]]:
    """Statuses while loading, then after the gate opened and the app settled."""
    settings = ServiceSettings(models_dir=tiny_bundle.parent, access_log=False)
    app = build_app(settings, load_models=loader)

    async def scenario() -> tuple[dict[str, int], dict[str, int]]:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://service") as client,
        ):
            loading = await statuses(client)
            loader.gate.set()
            await wait_for(
                client, "/healthz" if loader.fail else "/readyz", 503 if loader.fail else 200
            )
            return loading, await statuses(client)

    return asyncio.run(scenario())


def test_probes_answer_while_the_models_load_and_readiness_follows_the_warm_up(
    tiny_bundle: Path,
) -> None:
    loading, loaded = run_app(tiny_bundle, GatedLoader())
    assert loading == {"healthz": 200, "readyz": 503, "translate": 503}
    assert loaded == {"healthz": 200, "readyz": 200, "translate": 200}


def test_a_failed_load_makes_the_service_unhealthy_and_never_ready(tiny_bundle: Path) -> None:
    _, failed = run_app(tiny_bundle, GatedLoader(fail=True))
    assert failed == {"healthz": 503, "readyz": 503, "translate": 503}
