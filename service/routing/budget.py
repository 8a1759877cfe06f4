"""The escalation budget: a share of a sliding window of sentences, and calls in flight.

Over any ``window`` consecutive translated sentences at most ``floor(max_share x window)``
are escalated, so a flood of odd input cannot multiply the teacher's bill: once the window's
share is spent, low-confidence sentences keep the student's translation (flagged) until
enough confident traffic has gone by. The budget counts attempts: a teacher call that fails
has used its sentences' share (a failing teacher is not retried harder).

Thread-safe: document jobs translate from worker threads while requests run on the loop.
"""

from __future__ import annotations

import math
import threading
from collections import deque


class EscalationBudget:
    def __init__(self, max_share: float, window: int, max_in_flight: int) -> None:
        self.capacity = math.floor(max_share * window)
        self.max_in_flight = max_in_flight
        self._window: deque[bool] = deque(maxlen=window)
        self._escalated = 0  # True entries in the window
        self._in_flight = 0
        self._lock = threading.Lock()

    def admit(self, sentences: int, wanted: int) -> int:
        """Record a request's `sentences`; grant up to `wanted` of them to the teacher."""
        wanted = max(0, min(wanted, sentences))
        with self._lock:
            for _ in range(sentences - wanted):
                self._push(False)
            granted = 0
            for _ in range(wanted):
                leaving = len(self._window) == self._window.maxlen and self._window[0]
                fits = self._escalated - leaving < self.capacity
                self._push(fits)
                granted += fits
            return granted

    def _push(self, escalated: bool) -> None:
        if len(self._window) == self._window.maxlen and self._window[0]:
            self._escalated -= 1
        self._window.append(escalated)
        self._escalated += escalated

    def enter(self) -> bool:
        """Take a call slot; False when `max_in_flight` calls are running."""
        with self._lock:
            if self._in_flight >= self.max_in_flight:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def share(self) -> float:
        """Escalated share of the window as it stands (0 before any sentence)."""
        with self._lock:
            return self._escalated / len(self._window) if self._window else 0.0
