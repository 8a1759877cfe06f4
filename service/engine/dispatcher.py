"""Micro-batching: sentences of concurrent requests are merged into shared CTranslate2 calls.

Worker threads (one per CTranslate2 replica of the model) take queued jobs (one job = one
request's sentences), fill a batch up to a token budget and call the translator; the replicas
translate their batches in parallel. While they translate, new requests queue up and form the
next batches, so a busy service batches on its own.

When the queue runs dry before the budget is full, a worker may wait (at most
`max_wait_s`) for as many requests as were in the system last time: the jobs of its last
batch plus those that queued while it ran. Without that wait, concurrent clients fall into two
cohorts that alternate (one translated while the other is on its way back), halving every
batch; with it, the cohorts merge. A lone client at idle never waits (its target is itself),
and a worker never waits while another one translates: with several replicas the cohorts
are welcome (each keeps one replica busy), and waiting would only leave a core idle.

- The queue is bounded: `submit` raises `QueueFullError` at once instead of waiting, both
  when the queue is full and when the work already admitted would take longer than
  `max_queue_wait_s` at the measured speed (`service.engine.admission`).
- A job whose awaiting task was cancelled (its client went away) is skipped before its
  sentences are translated.
- After every batch, and before its requests are answered, listeners receive a `BatchRecord`
  (its items with token counts and the process CPU time around the CTranslate2 call) so costs
  can be attributed per request.
- With `batching=False` every job is translated on its own, in one call (the baseline).
- Faults are isolated: a CTranslate2 call that raises is retried in halves down to single
  sentences, so only the requests owning a sentence that fails alone get an error
  (`SentenceFailedError`, 422); the rest of the batch is answered normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from service.engine.admission import Admission
from service.engine.translator import TranslatedSentence
from service.errors import NotReadyError, QueueFullError, SentenceFailedError

logger = logging.getLogger(__name__)

TranslateFn = Callable[[list[list[str]]], list[TranslatedSentence]]


class Job:
    """One request's tokenized sentences and the future its handler awaits."""

    __slots__ = (
        "cancelled",
        "context",
        "future",
        "inputs",
        "loop",
        "released",
        "remaining",
        "results",
    )

    def __init__(
        self,
        inputs: list[list[str]],
        loop: asyncio.AbstractEventLoop,
        context: Any = None,
    ) -> None:
        self.inputs = inputs
        self.loop = loop
        self.context = context
        self.future: asyncio.Future[list[TranslatedSentence]] = loop.create_future()
        self.results: list[TranslatedSentence | None] = [None] * len(inputs)
        self.remaining = len(inputs)
        self.cancelled = False
        self.released = False  # its tokens left the admission backlog

    def input_tokens(self) -> int:
        return sum(len(tokens) for tokens in self.inputs)


@dataclass(frozen=True)
class BatchItem:
    job: Job
    index: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class BatchRecord:
    """What one CTranslate2 call did: for metrics and per-request cost attribution."""

    model: str
    items: list[BatchItem]
    cpu_seconds: float
    wall_seconds: float

    @property
    def size(self) -> int:
        return len(self.items)

    @property
    def input_tokens(self) -> int:
        return sum(item.input_tokens for item in self.items)

    @property
    def output_tokens(self) -> int:
        return sum(item.output_tokens for item in self.items)


BatchListener = Callable[[BatchRecord], None]

_STOP = object()


class Dispatcher:
    """Bounded queue + worker threads calling a blocking, thread-safe translate function."""

    def __init__(
        self,
        name: str,
        translate: TranslateFn,
        *,
        batching: bool = True,
        max_tokens: int = 2048,
        max_wait_s: float = 0.005,
        workers: int = 1,
        queue_size: int = 256,
        max_queue_wait_s: float = 0.0,
        retry_after_seconds: int = 1,
        listeners: Sequence[BatchListener] = (),
    ) -> None:
        self.name = name
        self.batching = batching
        self.max_tokens = max_tokens
        self.max_wait_s = max_wait_s
        self.retry_after_seconds = retry_after_seconds
        self.listeners = list(listeners)
        self._translate = translate
        self.workers = workers
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._threads: list[threading.Thread] = []
        self._accepting = False
        self._stopping = threading.Event()
        self._translating = 0  # workers inside a translate call
        self._translating_lock = threading.Lock()
        self.admission = Admission(workers, max_queue_wait_s, min_batch_tokens=max_tokens // 2)

    @property
    def queue_depth(self) -> int:
        """Requests waiting for the worker (not counting the batch being translated)."""
        return self._queue.qsize()

    @property
    def alive(self) -> bool:
        return bool(self._threads) and all(thread.is_alive() for thread in self._threads)

    def start(self) -> None:
        self._accepting = True
        self._stopping.clear()
        self._threads = [
            threading.Thread(target=self._run, name=f"dispatcher-{self.name}-{i}", daemon=True)
            for i in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Refuse new work, translate what is queued, then end the worker threads."""
        self._accepting = False
        if not self._threads:
            return
        for _ in self._threads:
            self._queue.put(_STOP, timeout=timeout)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))
        self._threads = []
        self._fail_leftovers()

    def _fail_leftovers(self) -> None:
        """A request that slipped in while stopping gets an answer (503), not a hang."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, Job):
                self._release(item)
                _settle(item, NotReadyError(f"model {self.name} stopped"))

    async def submit(
        self, inputs: list[list[str]], context: Any = None
    ) -> list[TranslatedSentence]:
        """Translate tokenized sentences; raises `QueueFullError` at once when the queue is full."""
        if not inputs:
            return []
        if not self._accepting:
            raise NotReadyError(f"model {self.name} is not accepting work")
        job = Job(inputs, asyncio.get_running_loop(), context)
        wait = self.admission.try_admit(job.input_tokens())
        if wait is not None:
            raise QueueFullError(
                f"model {self.name} has about {wait:.1f} s of work waiting; retry later",
                self.retry_after_seconds,
            )
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            self._release(job)
            raise QueueFullError(
                f"model {self.name} has {self._queue.maxsize} requests waiting; retry later",
                self.retry_after_seconds,
            ) from None
        try:
            return await job.future
        except asyncio.CancelledError:
            job.cancelled = True
            raise

    # -- worker thread -------------------------------------------------------------------

    def _run(self) -> None:
        pending: deque[tuple[Job, int]] = deque()
        expected_jobs = 0  # see the module docstring
        while True:
            if not pending:
                if self._stopping.is_set():
                    return
                item = self._queue.get()
                if item is _STOP:
                    self._stopping.set()
                    continue
                if not self.batching:
                    self._translate_jobs([(item, i) for i in range(len(item.inputs))], item)
                    continue
                self._admit(item, pending)
            batch = self._collect(pending, expected_jobs)
            if batch:
                expected_jobs = self._translate_jobs(batch, None)

    def _admit(self, job: Job, pending: deque[tuple[Job, int]]) -> None:
        if job.cancelled:
            self._release(job)
        else:
            pending.extend((job, index) for index in range(len(job.inputs)))

    def _release(self, job: Job) -> None:
        """Take a finished, failed or abandoned job's tokens off the admission backlog (once)."""
        if not job.released:
            job.released = True
            self.admission.release(job.input_tokens())

    def _collect(
        self, pending: deque[tuple[Job, int]], expected_jobs: int
    ) -> list[tuple[Job, int]]:
        """Fill one batch from pending sentences and the queue, within the token budget."""
        batch: list[tuple[Job, int]] = []
        tokens = 0
        deadline: float | None = None
        while True:
            while pending:
                job, index = pending[0]
                if job.cancelled:
                    pending.popleft()
                    self._release(job)
                    continue
                size = len(job.inputs[index])
                if batch and tokens + size > self.max_tokens:
                    return batch
                pending.popleft()
                batch.append((job, index))
                tokens += size
            if self._stopping.is_set():
                return batch
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                if not batch or self.max_wait_s <= 0:
                    return batch
                if len({id(job) for job, _ in batch}) >= expected_jobs or self._translating:
                    return batch
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + self.max_wait_s
                if now >= deadline:
                    return batch
                try:
                    item = self._queue.get(timeout=deadline - now)
                except queue.Empty:
                    return batch
            if item is _STOP:
                self._stopping.set()
                return batch
            self._admit(item, pending)

    def _translate_jobs(self, batch: list[tuple[Job, int]], single: Job | None) -> int:
        """Translate and answer; returns the requests in the system when the batch ended."""
        if single is not None and single.cancelled:
            self._release(single)
            return 0
        inputs = [job.inputs[index] for job, index in batch]
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        with self._translating_lock:
            self._translating += 1
        try:
            outputs = self._translate_isolating(inputs)
        finally:
            with self._translating_lock:
                self._translating -= 1
        done = [
            (job, index, tokens, out)
            for (job, index), tokens, out in zip(batch, inputs, outputs, strict=True)
            if isinstance(out, TranslatedSentence)
        ]
        wall_seconds = time.perf_counter() - wall_start
        self.admission.observe(sum(len(tokens) for tokens in inputs), wall_seconds)
        record = BatchRecord(
            model=self.name,
            items=[
                BatchItem(job, index, len(tokens), out.output_tokens)
                for job, index, tokens, out in done
            ],
            cpu_seconds=time.process_time() - cpu_start,
            wall_seconds=wall_seconds,
        )
        # Counted before any answer goes out: an answered client's next request is not "queued".
        in_system = len({id(job) for job, _ in batch}) + self._queue.qsize()
        failed: dict[int, list[int]] = {}
        for (job, index), out in zip(batch, outputs, strict=True):
            if isinstance(out, TranslatedSentence):
                job.results[index] = out
                job.remaining -= 1
            else:
                failed.setdefault(id(job), []).append(index)
        # Listeners run before any job is handed back, so what they attribute to a request
        # (e.g. its share of CPU time) is there when the request builds its answer.
        for listener in self.listeners:
            try:
                listener(record)
            except Exception:
                logger.exception("batch listener %r failed", listener)
        for job in {id(job): job for job, _ in batch}.values():
            if id(job) in failed or job.remaining == 0:
                self._release(job)
            if id(job) in failed:
                job.cancelled = True  # its other sentences need not be translated
                count = len(failed[id(job)])
                _settle(
                    job,
                    SentenceFailedError(
                        f"the model failed on {count} sentence(s) of "
                        "this request, even translated alone"
                    ),
                )
            elif job.remaining == 0:
                _settle(job, None)
        return in_system

    def _translate_isolating(self, inputs: list[list[str]]) -> list[TranslatedSentence | None]:
        """Translate a batch; if the call raises, translate its halves, down to single
        sentences, so that only the sentences that fail on their own fail (None)."""
        try:
            return list(self._translate(inputs))
        except Exception as exc:
            if len(inputs) == 1:
                logger.warning(
                    "a sentence of %d tokens failed to translate: %s: %s",
                    len(inputs[0]),
                    type(exc).__name__,
                    exc,
                )
                return [None]
        middle = len(inputs) // 2
        return self._translate_isolating(inputs[:middle]) + self._translate_isolating(
            inputs[middle:]
        )


def _settle(job: Job, error: BaseException | None) -> None:
    """Hand a finished job back to its event loop (called on the worker thread)."""

    def resolve() -> None:
        if job.future.done():
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result([result for result in job.results if result is not None])

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        job.loop.call_soon_threadsafe(resolve)
