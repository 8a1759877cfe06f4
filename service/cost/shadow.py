"""Shadow mode: a sampled share of requests is also translated by a real teacher.

After a request is translated, `ShadowTeacher.offer` decides (sampling, then capacity) and
starts a background task on the event loop; the user's answer never waits for it. At most
``MT_COST_SHADOW_MAX_IN_FLIGHT`` calls run at once; a sampled request beyond that is dropped
and counted. Each finished call records the teacher's latency, its real cost and the chrF of
the student's translation against the teacher's.

Teachers: another instance of this service's API (``mt``: its ``usage.student_cost_usd`` is the
real cost) or an OpenAI-compatible chat endpoint (``openai``: one call per text, priced from the
returned token usage at ``MT_COST_SHADOW_MODEL``'s price).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any

import httpx

from service.cost.chrf import chrf
from service.cost.metrics import CostMetrics
from service.cost.prices import ChatTeacher, chat_prompt
from service.cost.settings import CostSettings
from service.pipeline import TranslationOutcome

logger = logging.getLogger(__name__)


class ShadowError(Exception):
    """The teacher's answer could not be used."""


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
        self.chat_price = chat_price
        self.name = settings.shadow_name
        self._rng = rng or random.Random()
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        if self.settings.shadow_enabled:
            headers = {}
            if self.settings.shadow_api_key is not None:
                key = self.settings.shadow_api_key.get_secret_value()
                headers["Authorization"] = f"Bearer {key}"
            self._client = httpx.AsyncClient(
                base_url=self.settings.shadow_url.rstrip("/"),
                headers=headers,
                timeout=self.settings.shadow_timeout_seconds,
            )

    async def close(self, grace_seconds: float = 5.0) -> None:
        """Let running calls finish for a moment, cancel the rest, close the client."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def offer(self, texts: list[str], outcome: TranslationOutcome) -> None:
        """Outcome listener (event loop): sample, then start a call or count a drop."""
        if self._client is None or self._rng.random() >= self.settings.shadow_fraction:
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
            if self.settings.shadow_protocol == "mt":
                translations, cost = await self._call_mt(source, target, texts)
            else:
                translations, cost = await self._call_chat(source, target, texts)
        except (httpx.HTTPError, ShadowError, ValueError, KeyError, TypeError) as error:
            # The error's type and HTTP status only: a message could echo request text.
            status = error.response.status_code if isinstance(error, httpx.HTTPStatusError) else ""
            logger.warning(
                "shadow call to %s failed: %s %s", self.name, type(error).__name__, status
            )
            self.metrics.shadow_requests.labels(direction, self.name, "error").inc()
            return
        self.metrics.shadow_duration.labels(direction, self.name).observe(
            time.perf_counter() - started
        )
        self.metrics.shadow_cost.labels(direction, self.name).inc(cost)
        self.metrics.shadow_agreement.labels(direction, self.name).observe(
            chrf("\n".join(student), "\n".join(translations))
        )
        self.metrics.shadow_requests.labels(direction, self.name, "ok").inc()

    async def _call_mt(self, source: str, target: str, texts: list[str]) -> tuple[list[str], float]:
        assert self._client is not None
        response = await self._client.post(
            "/v1/translate", json={"text": texts, "source": source, "target": target}
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        translations = [str(text) for text in body["translations"]]
        if len(translations) != len(texts):
            raise ShadowError("the teacher answered a different number of texts")
        return translations, float(body.get("usage", {}).get("student_cost_usd", 0.0))

    async def _call_chat(
        self, source: str, target: str, texts: list[str]
    ) -> tuple[list[str], float]:
        answers = await asyncio.gather(*(self._chat_one(source, target, t) for t in texts))
        return [text for text, _ in answers], sum(cost for _, cost in answers)

    async def _chat_one(self, source: str, target: str, text: str) -> tuple[str, float]:
        assert self._client is not None
        body = {
            "model": self.settings.shadow_model,
            "temperature": 0,
            "messages": [
                {
                    "role": "system",
                    "content": chat_prompt(source, target),
                },
                {"role": "user", "content": text},
            ],
        }
        response = await self._client.post("/chat/completions", json=body)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        content = str(answer["choices"][0]["message"]["content"])
        usage = answer.get("usage") or {}
        cost = 0.0
        if self.chat_price is not None:
            cost = self.chat_price.usage_cost_usd(
                int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
            )
        return content, cost
