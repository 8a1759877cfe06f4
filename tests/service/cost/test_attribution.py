"""Batch CPU time is split across requests by token share and adds up to what was measured."""

from __future__ import annotations

import asyncio
import time

import pytest

from service.cost.attribution import CpuAttributor
from service.engine.dispatcher import BatchRecord, Dispatcher
from service.engine.translator import TranslatedSentence
from service.pipeline import RequestContext


def busy_translate(batch: list[list[str]]) -> list[TranslatedSentence]:
    """Burns CPU in proportion to the tokens (a real workload, no model needed)."""
    deadline = time.process_time() + 0.002 * sum(len(tokens) for tokens in batch)
    while time.process_time() < deadline:
        pass
    return [TranslatedSentence(" ".join(tokens), len(tokens)) for tokens in batch]


async def run_requests(attributor: CpuAttributor, sizes: list[int]) -> list[RequestContext]:
    records: list[BatchRecord] = []
    dispatcher = Dispatcher(
        "en-de", busy_translate, max_wait_s=0.05, listeners=[attributor, records.append]
    )
    dispatcher.start()
    try:
        contexts = [RequestContext() for _ in sizes]
        await asyncio.gather(
            *(
                dispatcher.submit([["tok"] * size], context)
                for size, context in zip(sizes, contexts, strict=True)
            )
        )
    finally:
        dispatcher.stop()
    return contexts


def test_shares_follow_tokens_and_add_up_to_the_batch_cpu() -> None:
    attributed: list[float] = []
    attributor = CpuAttributor("batch", on_batch=lambda _, cpu: attributed.append(cpu))
    contexts = asyncio.run(run_requests(attributor, [10, 30]))
    total = sum(c.cpu_seconds for c in contexts)
    assert total == pytest.approx(sum(attributed))
    # One batch: 1:3 by (input + output) tokens; two: each its own CPU, 1:3 by the work done.
    assert contexts[1].cpu_seconds == pytest.approx(3 * contexts[0].cpu_seconds, rel=0.25)


def test_interval_window_attributes_cpu_spent_between_batches() -> None:
    attributor = CpuAttributor("interval")
    deadline = time.process_time() + 0.05  # work outside any batch, e.g. HTTP handling
    while time.process_time() < deadline:
        pass
    before = time.process_time()
    contexts = asyncio.run(run_requests(attributor, [5]))
    inside = time.process_time() - before
    assert contexts[0].cpu_seconds >= 0.05
    assert contexts[0].cpu_seconds <= 0.05 + inside + 0.05


def test_batch_window_leaves_cpu_between_batches_out() -> None:
    attributor = CpuAttributor("batch")
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    contexts = asyncio.run(run_requests(attributor, [5]))
    assert contexts[0].cpu_seconds < 0.04
