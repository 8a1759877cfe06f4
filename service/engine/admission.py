"""Admission by expected waiting time: refuse at once what could not be answered in good time.

A bounded queue alone admits work by count, and at 3x saturation a full 256-request queue
meant seconds of waiting for every accepted request. Here a request is admitted only while the
source tokens already admitted and not yet answered (the backlog), at the measured speed of
the replicas, would be translated within ``max_wait_s``; beyond that it gets a 429 at once, so
accepted requests keep their latency and the rest can retry elsewhere.

The speed is an exponentially weighted mean of seconds per source token over recent large
batches (per replica; the replicas work in parallel): a backlog is worked off in full batches,
and a one-sentence batch (the warm-up, a lone request at idle) pays the fixed cost of a call
for a few tokens, which would overstate the wait several times. Until the first large batch
nothing is refused.
"""

from __future__ import annotations

import threading

_WEIGHT = 0.2  # of the newest batch in the running mean


class Admission:
    """Backlog of admitted tokens and the speed they are worked off at; thread-safe."""

    def __init__(self, workers: int, max_wait_s: float, min_batch_tokens: int = 1) -> None:
        self.workers = max(1, workers)
        self.max_wait_s = max_wait_s
        self.min_batch_tokens = max(1, min_batch_tokens)
        self._lock = threading.Lock()
        self._backlog = 0
        self._seconds_per_token: float | None = None

    @property
    def backlog_tokens(self) -> int:
        return self._backlog

    def expected_wait(self, extra_tokens: int = 0) -> float:
        """Seconds until `extra_tokens` more would be translated, at the measured speed."""
        rate = self._seconds_per_token
        if rate is None:
            return 0.0
        return (self._backlog + extra_tokens) * rate / self.workers

    def try_admit(self, tokens: int) -> float | None:
        """Admit `tokens` and return None, or refuse and return the expected wait in seconds.

        A request is admitted whatever its size when nothing else waits, so a large request on
        an idle service is never refused for its own length.
        """
        with self._lock:
            if self.max_wait_s > 0 and self._backlog > 0:
                wait = self.expected_wait(tokens)
                if wait > self.max_wait_s:
                    return wait
            self._backlog += tokens
            return None

    def release(self, tokens: int) -> None:
        with self._lock:
            self._backlog = max(0, self._backlog - tokens)

    def observe(self, tokens: int, seconds: float) -> None:
        """Record one replica's batch: `tokens` source tokens translated in `seconds` (batches
        under `min_batch_tokens` do not count)."""
        if tokens < self.min_batch_tokens or seconds <= 0:
            return
        rate = seconds / tokens
        with self._lock:
            previous = self._seconds_per_token
            self._seconds_per_token = (
                rate if previous is None else previous + _WEIGHT * (rate - previous)
            )
