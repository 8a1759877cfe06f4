"""`CostTotals`: what this process has translated and what it cost, since it started.

`/metrics` has the same sums as Prometheus counters, but a page should not parse Prometheus
text; this usage listener keeps them in one place the page's JSON endpoint reads.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime

from service.engine.registry import LoadedModel
from service.pipeline import Usage
from service.web.protocol import CostTotalsPublic


class CostTotals:
    """A pipeline usage listener; thread-safe (documents are translated on worker threads)."""

    def __init__(self) -> None:
        self.since = datetime.now(UTC)
        self._lock = threading.Lock()
        self._requests = 0
        self._characters = 0
        self._sentences = 0
        self._escalated_sentences = 0
        self._student_cost_usd = 0.0
        self._escalation_cost_usd = 0.0
        self._teacher_cost_usd: defaultdict[str, float] = defaultdict(float)

    def add(self, model: LoadedModel, usage: Usage) -> None:
        with self._lock:
            self._requests += 1
            self._characters += usage.characters
            self._sentences += usage.sentences
            self._escalated_sentences += usage.escalated_sentences
            self._student_cost_usd += usage.student_cost_usd
            self._escalation_cost_usd += usage.escalation_cost_usd
            for teacher, cost in usage.teacher_cost_usd.items():
                self._teacher_cost_usd[teacher] += cost

    def snapshot(self) -> CostTotalsPublic:
        with self._lock:
            blended = self._student_cost_usd + self._escalation_cost_usd
            teachers = dict(self._teacher_cost_usd)
            return CostTotalsPublic(
                since=self.since,
                requests=self._requests,
                characters=self._characters,
                sentences=self._sentences,
                escalated_sentences=self._escalated_sentences,
                student_cost_usd=self._student_cost_usd,
                escalation_cost_usd=self._escalation_cost_usd,
                blended_cost_usd=blended,
                teacher_equivalent_cost_usd=teachers,
                savings_usd={name: cost - blended for name, cost in teachers.items()},
            )
