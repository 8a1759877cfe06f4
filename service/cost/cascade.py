"""What a request would have cost with every sentence on the escalation teacher.

The base of the cascade's savings (``usage.savings_usd``, ``mt_teacher_only_cost_usd_total``):

- a price-listed teacher (``deepl``, a chat model): the price list applied to the whole
  request, exactly as the teacher-equivalent cost is (`service.cost.prices`);
- a measured teacher (a local teacher bundle, another instance): its mean real cost per
  escalated sentence so far in this process (sentences answered from its remembered answers
  cost nothing and are not counted), times the request's sentences (`None` until a first
  escalation has been paid for).
"""

from __future__ import annotations

import threading

from service.cost.prices import RequestTexts, Teacher


class TeacherOnlyCost:
    def __init__(self, priced: Teacher | None = None) -> None:
        self.priced = priced
        self._lock = threading.Lock()
        self._cost = 0.0
        self._sentences = 0

    def observe(self, escalated_sentences: int, cost_usd: float) -> None:
        """Learn the measured teacher's rate from a request's escalations."""
        if escalated_sentences:
            with self._lock:
                self._sentences += escalated_sentences
                self._cost += cost_usd

    def estimate(self, direction: str, request: RequestTexts, sentences: int) -> float | None:
        if self.priced is not None:
            return self.priced.cost_usd(direction, request)
        with self._lock:
            if not self._sentences:
                return None
            return self._cost / self._sentences * sentences
