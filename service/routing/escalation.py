"""The routing stage: which low-confidence sentences the teacher translates instead.

Called by the pipeline once per request, after the student's translations are checked::

    flat checks --(mode escalate)--> the teacher's remembered answers (free)
        --> budget for the rest: up to the window's share, least confident first
        --> one teacher call for the request's distinct low sentences (model inputs, with
            their [1] sentinels), under the call time limit and the in-flight limit
        --> each answer replaces the student's only if it keeps every placeholder
            (and is remembered)
    --> routes and failures counted, optional capture (flywheel)

A request never fails because the teacher did: beyond the budget, on a timeout, an error or a
damaged placeholder, the student's translation stays, flagged, and the reason is counted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.routing.budget import EscalationBudget
from service.routing.capture import CaptureRecord, CaptureStore
from service.routing.checks import SentenceCheck
from service.routing.memory import TeacherMemory
from service.routing.metrics import RoutingMetrics
from service.teachers.base import TeacherClient, TeacherError

if TYPE_CHECKING:
    from service.engine.registry import LoadedModel
    from service.pipeline import Usage

logger = logging.getLogger(__name__)

# (flat sentence index, a translation of it) -> it keeps every placeholder of the sentence
KeepsPlaceholders = Callable[[int, str], bool]


@dataclass(frozen=True)
class Routed:
    """The stage's result for one request's sentences (flat, in input order)."""

    translations: list[str]
    escalated: list[bool]
    cost_usd: float = 0.0
    """What the teacher call really cost."""
    remembered: int = 0
    """Escalated sentences answered from the teacher's remembered answers, at no cost."""

    @property
    def escalated_count(self) -> int:
        return sum(self.escalated)


@dataclass(frozen=True)
class Direction:
    name: str
    source: str
    target: str


class Router:
    """Counts every request's routes; in escalate mode, sends low sentences to the teacher."""

    def __init__(
        self,
        metrics: RoutingMetrics,
        teacher: TeacherClient | None = None,
        budget: EscalationBudget | None = None,
        timeout_seconds: float = 5.0,
        capture: CaptureStore | None = None,
        checking: bool = True,
        memory: TeacherMemory | None = None,
    ) -> None:
        self.checking = checking
        """False in mode ``off``: no sentence is flagged."""
        self.metrics = metrics
        self.teacher = teacher
        self.budget = budget
        self.timeout_seconds = timeout_seconds
        self.capture = capture
        self.memory = memory
        """The teacher's answers already paid for (``MT_ROUTING_TEACHER_MEMORY_SIZE``)."""

    async def route(
        self,
        direction: Direction,
        sentences: Sequence[str],
        translations: Sequence[str],
        checks: Sequence[SentenceCheck],
        keeps_placeholders: KeepsPlaceholders,
    ) -> Routed:
        self.metrics.observe_checks(direction.name, checks)
        low = [index for index, check in enumerate(checks) if check.low]
        routed = Routed(list(translations), [False] * len(translations))
        if self.teacher is not None and self.budget is not None and low:
            routed = await self._escalate(
                direction, sentences, routed, checks, low, keeps_placeholders
            )
        elif self.budget is not None:
            self.budget.admit(len(sentences), 0)
        self.metrics.count_routes(direction.name, checks, routed.escalated_count)
        if self.capture is not None and low:
            await self._capture(direction.name, sentences, routed, checks, low)
        return routed

    async def _escalate(
        self,
        direction: Direction,
        sentences: Sequence[str],
        routed: Routed,
        checks: Sequence[SentenceCheck],
        low: list[int],
        keeps_placeholders: KeepsPlaceholders,
    ) -> Routed:
        assert self.teacher is not None and self.budget is not None
        confidence: dict[str, float] = {}
        for index in low:  # distinct sentences, least confident first
            sentence = sentences[index]
            confidence[sentence] = min(confidence.get(sentence, 1.0), checks[index].confidence)
        ranked = sorted(confidence, key=confidence.__getitem__)
        remembered = self.memory.recall(direction.name, ranked) if self.memory is not None else {}
        fresh = [sentence for sentence in ranked if sentence not in remembered]
        granted = self.budget.admit(len(sentences), len(fresh))  # what is remembered is free
        self._fail(direction.name, "budget", low, sentences, set(fresh[granted:]))
        answer = await self._call(direction, fresh[:granted], low, sentences)
        answered, cost = answer if answer is not None else ({}, 0.0)
        translations, escalated = list(routed.translations), list(routed.escalated)
        damaged, used = 0, dict[str, str]()
        for index in low:
            sentence = sentences[index]
            better = remembered.get(sentence, answered.get(sentence))
            if better is None:
                continue
            if keeps_placeholders(index, better):
                translations[index], escalated[index] = better, True
                used[sentence] = better
            else:
                damaged += 1
        if damaged:
            self.metrics.failures.labels(direction.name, "placeholders").inc(damaged)
        recalled = sum(escalated[index] and sentences[index] in remembered for index in low)
        if self.memory is not None:
            self.memory.remember(direction.name, {s: used[s] for s in answered if s in used})
            self.metrics.remembered.labels(direction.name).inc(recalled)
        return Routed(translations, escalated, cost, recalled)

    async def _call(
        self, direction: Direction, chosen: list[str], low: list[int], sentences: Sequence[str]
    ) -> tuple[dict[str, str], float] | None:
        """The one teacher call of a request: its answers by sentence and its cost, or None
        (nothing to ask, or no answer)."""
        assert self.teacher is not None and self.budget is not None
        if not chosen:
            return None
        if not self.budget.enter():
            self._fail(direction.name, "in_flight", low, sentences, set(chosen))
            return None
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                answer = await self.teacher.translate(chosen, direction.source, direction.target)
        except TimeoutError:
            error = TeacherError("timeout", f"{self.teacher.name}: no answer in time")
        except TeacherError as caught:
            error = caught
        else:
            teacher = self.teacher.name
            self.metrics.teacher_calls.labels(direction.name, teacher).observe(
                time.perf_counter() - started
            )
            self.metrics.teacher_cost.labels(direction.name, teacher).inc(answer.cost_usd)
            return dict(zip(chosen, answer.translations, strict=True)), answer.cost_usd
        finally:
            self.budget.leave()
        logger.warning("escalation failed (%s): %s", error.reason, error)
        self._fail(direction.name, error.reason, low, sentences, set(chosen))
        return None

    def _fail(
        self,
        direction: str,
        reason: str,
        low: list[int],
        sentences: Sequence[str],
        refused: set[str],
    ) -> None:
        """Count every low sentence of the request (repeats too) that stays the student's."""
        count = sum(sentences[index] in refused for index in low)
        if count:
            self.metrics.failures.labels(direction, reason).inc(count)

    async def _capture(
        self,
        direction: str,
        sentences: Sequence[str],
        routed: Routed,
        checks: Sequence[SentenceCheck],
        low: list[int],
    ) -> None:
        """Store the low sentences off the event loop; a store that fails loses the records,
        never the request."""
        assert self.capture is not None
        records = [
            CaptureRecord.now(
                direction,
                sentences[index],
                routed.translations[index] if routed.escalated[index] else None,
                checks[index].reasons,
                checks[index].confidence,
            )
            for index in low
        ]
        try:
            await asyncio.to_thread(self.capture.add, records)
        except Exception as error:  # a full disk or Redis down: no text in the message
            logger.warning("capture failed: %s", type(error).__name__)

    async def start(self) -> None:
        if self.teacher is not None:
            await self.teacher.start()

    def observe_usage(self, model: LoadedModel, usage: Usage) -> None:
        """Usage listener: the teacher-only cost, base of the blended savings."""
        if self.teacher is not None and usage.teacher_only_cost_usd is not None:
            self.metrics.teacher_only_cost.labels(model.direction, self.teacher.name).inc(
                usage.teacher_only_cost_usd
            )

    async def close(self) -> None:
        if self.teacher is not None:
            await self.teacher.close()
        if self.capture is not None:
            await asyncio.to_thread(self.capture.close)
