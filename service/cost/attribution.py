"""Process CPU time, split across the requests of each CTranslate2 batch by token share.

CTranslate2 runs on its own (OpenMP) threads, so the CPU time of a request's thread says
nothing; process CPU time (all threads) is what the machine is paid for. Two windows:

- ``interval`` (default): at each batch, all process CPU used since the previous batch (of any
  model) ends: the CTranslate2 call, and also HTTP parsing, tokenization, scrapes and the
  OpenMP threads' spin-waiting after the previous call. Summed over requests this is, up to the
  work after the last batch, what the process used.
- ``batch``: only the CPU measured around the call (`BatchRecord.cpu_seconds`); spin that
  outlives the call and the work outside CTranslate2 are not attributed.

A sentence's share is ``(input + output tokens) / the batch's tokens``. Listeners run on the
dispatcher's worker thread before the batch's requests are answered, so a request's total is
complete when it builds its ``usage``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from service.engine.dispatcher import BatchRecord
from service.pipeline import RequestContext

CpuListener = Callable[[str, float], None]


def token_shares(record: BatchRecord) -> list[float]:
    """Each item's fraction of the batch; equal shares when no token was counted."""
    weights = [item.input_tokens + item.output_tokens for item in record.items]
    total = sum(weights)
    if total == 0:
        return [1 / len(weights)] * len(weights) if weights else []
    return [weight / total for weight in weights]


class CpuAttributor:
    """Dispatcher listener shared by every model of the app (one process CPU clock)."""

    def __init__(
        self,
        window: Literal["interval", "batch"] = "interval",
        on_batch: CpuListener | None = None,
        clock: Callable[[], float] = time.process_time,
    ) -> None:
        self.window = window
        self._on_batch = on_batch
        self._clock = clock
        self._lock = threading.Lock()
        self._last = clock()

    def reset(self) -> None:
        """Start the interval clock now (after loading models, which no request should pay)."""
        with self._lock:
            self._last = self._clock()

    def _cpu_of(self, record: BatchRecord) -> float:
        if self.window == "batch":
            return record.cpu_seconds
        with self._lock:
            now = self._clock()
            spent, self._last = now - self._last, now
        return max(spent, 0.0)

    def attribute(self, record: BatchRecord) -> float:
        """Add each item's share of the batch's CPU to its request's context; the CPU so
        attributed (work of no request, the warm-up, is nobody's: left out, as model loading)."""
        cpu = self._cpu_of(record)
        attributed = 0.0
        for item, share in zip(record.items, token_shares(record), strict=True):
            context = item.job.context
            if isinstance(context, RequestContext):
                context.cpu_seconds += cpu * share
                attributed += cpu * share
        return attributed

    def __call__(self, record: BatchRecord) -> None:
        cpu = self.attribute(record)
        if self._on_batch is not None:
            self._on_batch(record.model, cpu)
