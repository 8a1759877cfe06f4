"""Shadow mode: a sampled share of requests is also translated by a real teacher.

After a request is translated, `ShadowTeacher.offer` decides (sampling, then capacity) and
starts a background task on the event loop; the user's answer never waits for it. At most
``MT_COST_SHADOW_MAX_IN_FLIGHT`` calls run at once; a sampled request beyond that is dropped
and counted. Each finished call records the teacher's latency, its real cost and the chrF of
the student's translation against the teacher's.

Teachers are `service.teachers` clients: another instance of this service's API (``mt``: its
``usage.student_cost_usd`` is the real cost) or an OpenAI-compatible chat endpoint (``openai``:
one call per text, priced from the returned token usage at ``MT_COST_SHADOW_MODEL``'s price).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

from service.cost.chrf import chrf
from service.cost.metrics import CostMetrics
from service.cost.prices import ChatTeacher
from service.cost.settings import CostSettings
from service.pipeline import TranslationOutcome
from service.teachers.base import TeacherClient, TeacherError, bearer
from service.teachers.chat import ChatTeacherClient
from service.teachers.mt import MtTeacher

logger = logging.getLogger(__name__)


def shadow_client(settings: CostSettings, chat_price: ChatTeacher | None) -> TeacherClient:
    key = settings.shadow_api_key.get_secret_value() if settings.shadow_api_key else None
    if settings.shadow_protocol == "mt":
        return MtTeacher(
            settings.shadow_name, settings.shadow_url, settings.shadow_timeout_seconds, bearer(key)
        )
    return ChatTeacherClient(
        settings.shadow_name,
        settings.shadow_url,
        settings.shadow_timeout_seconds,
        model=settings.shadow_model,
        price=chat_price.usage_cost_usd if chat_price is not None else None,
        api_key=key,
        lines_per_call=False,  # whole texts may hold line breaks: one call per text
    )


class ShadowTeacher:
    def __init__(
        self,
        settings: CostSettings,
        metrics: CostMetrics,
        chat_price: ChatTeacher | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.name = settings.shadow_name
        self._rng = rng or random.Random()
        self._tasks: set[asyncio.Task[None]] = set()
        self._client = shadow_client(settings, chat_price)
        self._started = False

    async def start(self) -> None:
        if self.settings.shadow_enabled:
            await self._client.start()
            self._started = True

    async def close(self, grace_seconds: float = 5.0) -> None:
        """Let running calls finish for a moment, cancel the rest, close the client."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._started:
            await self._client.close()
            self._started = False

    def offer(self, texts: list[str], outcome: TranslationOutcome) -> None:
        """Outcome listener (event loop): sample, then start a call or count a drop."""
        if not self._started or self._rng.random() >= self.settings.shadow_fraction:
            return
        direction = outcome.model.direction
        if len(self._tasks) >= self.settings.shadow_max_in_flight:
            self.metrics.shadow_dropped.labels(direction, self.name).inc()
            return
        manifest = outcome.model.manifest
        task = asyncio.get_running_loop().create_task(
            self._shadow(
                direction,
                manifest.source_lang,
                manifest.target_lang,
                list(texts),
                list(outcome.translations),
            )
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _shadow(
        self, direction: str, source: str, target: str, texts: list[str], student: list[str]
    ) -> None:
        await asyncio.sleep(0)  # the user's answer goes out first
        started = time.perf_counter()
        try:
            answer = await self._client.translate(texts, source, target)
        except TeacherError as error:  # its reason and status only: never request text
            logger.warning("shadow call to %s failed: %s (%s)", self.name, error.reason, error)
            self.metrics.shadow_requests.labels(direction, self.name, "error").inc()
            return
        self.metrics.shadow_duration.labels(direction, self.name).observe(
            time.perf_counter() - started
        )
        self.metrics.shadow_cost.labels(direction, self.name).inc(answer.cost_usd)
        self.metrics.shadow_agreement.labels(direction, self.name).observe(
            chrf("\n".join(student), "\n".join(answer.translations))
        )
        self.metrics.shadow_requests.labels(direction, self.name, "ok").inc()
