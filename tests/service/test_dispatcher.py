"""The micro-batching dispatcher, on its own (no HTTP), with the real tiny translator."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bundle import open_verified
from service.engine.dispatcher import BatchRecord, Dispatcher
from service.engine.translator import BundleTranslator, TranslatedSentence
from service.errors import QueueFullError, SentenceFailedError
from service.settings import ServiceSettings
from tests.factories import caption_pairs
from tests.service.conftest import poison_sentence


class GatedTranslator:
    """The real translator behind a gate: the first call waits until the test opens it, so
    the test can line up work in the queue. Records every batch it is given."""

    def __init__(self, translator: BundleTranslator) -> None:
        self.translator = translator
        self.calls: list[list[list[str]]] = []
        self.entered = threading.Event()
        self.gate = threading.Event()

    def __call__(self, batch: list[list[str]]) -> list[TranslatedSentence]:
        self.calls.append(batch)
        self.entered.set()
        self.gate.wait(10)
        return self.translator.translate_tokens(batch)


@pytest.fixture(scope="module")
def translator(tiny_bundle: Path) -> BundleTranslator:
    return BundleTranslator(
        tiny_bundle, open_verified(tiny_bundle), ServiceSettings(intra_threads=1)
    )


@pytest.fixture
def gated(translator: BundleTranslator) -> GatedTranslator:
    return GatedTranslator(translator)


@pytest.fixture
def make_dispatcher(gated: GatedTranslator) -> Iterator[type[Dispatcher]]:
    started: list[Dispatcher] = []

    def build(**options: object) -> Dispatcher:
        dispatcher = Dispatcher("en-de", gated, **options)  # type: ignore[arg-type]
        dispatcher.start()
        started.append(dispatcher)
        return dispatcher

    yield build  # type: ignore[misc]
    gated.gate.set()
    for dispatcher in started:
        dispatcher.stop(timeout=10)


def sentences(count: int, seed: int = 0) -> list[str]:
    return [en for en, _ in caption_pairs(count, seed=seed)]


async def _wait_entered(gated: GatedTranslator) -> None:
    await asyncio.to_thread(gated.entered.wait, 10)


def test_sentences_of_concurrent_requests_share_one_batch(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    dispatcher = make_dispatcher(max_wait_s=0)
    texts = sentences(9)

    async def scenario() -> list[list[TranslatedSentence]]:
        first = asyncio.ensure_future(dispatcher.submit([translator.tokenize(texts[0])]))
        await _wait_entered(gated)  # the worker is busy with the first request
        rest = [
            asyncio.ensure_future(dispatcher.submit([translator.tokenize(t)])) for t in texts[1:]
        ]
        await asyncio.sleep(0.05)
        gated.gate.set()
        return await asyncio.gather(first, *rest)

    results = asyncio.run(scenario())
    assert [len(batch) for batch in gated.calls] == [1, 8]
    assert [r[0].text for r in results] == [t.text for t in translator.translate(texts)]


def test_a_batch_never_exceeds_the_token_budget(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    gated.gate.set()
    dispatcher = make_dispatcher(max_tokens=60, max_wait_s=0)
    inputs = [translator.tokenize(t) for t in sentences(12)]

    results = asyncio.run(dispatcher.submit(inputs))
    assert len(results) == 12
    assert len(gated.calls) > 1
    for batch in gated.calls:
        assert len(batch) == 1 or sum(len(tokens) for tokens in batch) <= 60


def test_a_full_queue_raises_queue_full_at_once(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    dispatcher = make_dispatcher(queue_size=1, retry_after_seconds=3)
    tokens = [translator.tokenize("A dog is running.")]

    async def scenario() -> QueueFullError:
        busy = asyncio.ensure_future(dispatcher.submit(tokens))
        await _wait_entered(gated)
        queued = asyncio.ensure_future(dispatcher.submit(tokens))
        await asyncio.sleep(0)
        with pytest.raises(QueueFullError) as refused:
            await dispatcher.submit(tokens)
        gated.gate.set()
        await asyncio.gather(busy, queued)
        return refused.value

    error = asyncio.run(scenario())
    assert error.headers == {"Retry-After": "3"}


def test_work_that_could_not_start_within_the_wait_budget_is_refused_at_once(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    dispatcher = make_dispatcher(max_wait_s=0, max_queue_wait_s=0.05, workers=1, max_tokens=64)
    tokens = [translator.tokenize(text) for text in sentences(8)]
    request_tokens = sum(len(t) for t in tokens)

    async def scenario() -> tuple[int, int]:
        gated.gate.set()
        await dispatcher.submit(tokens)  # measures the speed
        gated.gate.clear()
        gated.entered.clear()
        busy = asyncio.ensure_future(dispatcher.submit(tokens))
        await _wait_entered(gated)
        others = [asyncio.ensure_future(dispatcher.submit(tokens)) for _ in range(200)]
        await asyncio.sleep(0.05)  # each has been admitted or refused by now
        backlog = dispatcher.admission.backlog_tokens
        gated.gate.set()
        results = await asyncio.gather(busy, *others, return_exceptions=True)
        return sum(isinstance(r, QueueFullError) for r in results), backlog

    refused, backlog = asyncio.run(scenario())
    per_token = dispatcher.admission.expected_wait(1)
    assert refused > 150
    assert (backlog - request_tokens) * per_token <= 0.05  # nothing admitted past the budget
    assert dispatcher.admission.backlog_tokens == 0  # everything answered is released


def test_work_of_a_cancelled_request_is_dropped_before_translation(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    dispatcher = make_dispatcher(max_wait_s=0)
    busy_tokens = translator.tokenize("A man is sitting.")
    dropped_tokens = translator.tokenize("A girl is sleeping in the snow.")

    async def scenario() -> None:
        busy = asyncio.ensure_future(dispatcher.submit([busy_tokens]))
        await _wait_entered(gated)
        dropped = asyncio.ensure_future(dispatcher.submit([dropped_tokens]))
        await asyncio.sleep(0.01)
        dropped.cancel()  # what the HTTP layer does when the client disconnects
        await asyncio.sleep(0.01)
        gated.gate.set()
        await busy
        # a later request proves the worker moved past the dropped job
        await dispatcher.submit([busy_tokens])

    asyncio.run(scenario())
    assert all(dropped_tokens not in batch for batch in gated.calls)


def test_without_batching_each_request_gets_its_own_call(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    gated.gate.set()
    dispatcher = make_dispatcher(batching=False)
    requests = [[translator.tokenize(t) for t in sentences(3, seed=n)] for n in range(4)]

    async def scenario() -> None:
        await asyncio.gather(*(dispatcher.submit(r) for r in requests))

    asyncio.run(scenario())
    assert sorted(len(batch) for batch in gated.calls) == [3, 3, 3, 3]


def test_listeners_get_each_batch_with_token_counts_and_cpu_time(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    gated.gate.set()
    records: list[BatchRecord] = []
    dispatcher = make_dispatcher(listeners=[records.append])
    inputs = [translator.tokenize(t) for t in sentences(3)]

    results = asyncio.run(dispatcher.submit(inputs, context="request-1"))
    assert len(records) == 1
    record = records[0]
    assert record.size == 3
    assert record.input_tokens == sum(len(tokens) for tokens in inputs)
    assert record.output_tokens == sum(r.output_tokens for r in results)
    assert record.cpu_seconds >= 0
    assert {item.job.context for item in record.items} == {"request-1"}


def test_workers_translate_their_batches_at_the_same_time(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    dispatcher = make_dispatcher(workers=2, max_wait_s=0)
    first, second = ([translator.tokenize(t)] for t in sentences(2))

    async def scenario() -> int:
        jobs = [asyncio.ensure_future(dispatcher.submit(first))]
        await _wait_entered(gated)  # one worker holds the first batch behind the closed gate
        jobs.append(asyncio.ensure_future(dispatcher.submit(second)))
        for _ in range(200):
            if len(gated.calls) == 2:
                break
            await asyncio.sleep(0.01)
        inside_at_once = len(gated.calls)
        gated.gate.set()
        await asyncio.gather(*jobs)
        return inside_at_once

    assert asyncio.run(scenario()) == 2


class HeldSentences:
    """The real translator, except that a batch holding a held sentence waits for its release."""

    def __init__(self, translator: BundleTranslator, held: list[list[str]]) -> None:
        self.translator = translator
        self.releases = {tuple(tokens): threading.Event() for tokens in held}
        self.entered = {key: threading.Event() for key in self.releases}

    def release(self, tokens: list[str]) -> None:
        self.releases[tuple(tokens)].set()

    def __call__(self, batch: list[list[str]]) -> list[TranslatedSentence]:
        for tokens in batch:
            if tuple(tokens) in self.releases:
                self.entered[tuple(tokens)].set()
                self.releases[tuple(tokens)].wait(10)
        return self.translator.translate_tokens(batch)


def test_a_worker_does_not_wait_for_more_requests_while_another_translates(
    translator: BundleTranslator,
) -> None:
    slow, first, *rest = ([translator.tokenize(t)] for t in sentences(4))
    held = HeldSentences(translator, [slow[0], first[0]])
    dispatcher = Dispatcher("en-de", held, workers=2, max_wait_s=5.0)
    dispatcher.start()

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        busy = asyncio.ensure_future(dispatcher.submit(slow))  # one worker, held
        await asyncio.to_thread(held.entered[tuple(slow[0])].wait, 10)
        earlier = asyncio.ensure_future(dispatcher.submit(first))  # the other worker, held
        await asyncio.to_thread(held.entered[tuple(first[0])].wait, 10)
        queued = [asyncio.ensure_future(dispatcher.submit(x)) for x in rest]
        await asyncio.sleep(0.05)
        start = loop.time()
        held.release(first[0])  # three requests were in the system: a lone worker would wait
        await asyncio.gather(earlier, *queued)
        elapsed = loop.time() - start
        held.release(slow[0])
        await busy
        return elapsed

    try:
        assert asyncio.run(scenario()) < 2.0
    finally:
        held.release(slow[0])
        dispatcher.stop(timeout=10)


@pytest.mark.parametrize("workers", [1, 2])
def test_stop_finishes_queued_work_first(
    gated: GatedTranslator, translator: BundleTranslator, workers: int
) -> None:
    dispatcher = Dispatcher("en-de", gated, max_wait_s=0, workers=workers)
    dispatcher.start()
    tokens = [translator.tokenize("A dog is running.")]

    async def scenario() -> list[list[TranslatedSentence]]:
        jobs = [asyncio.ensure_future(dispatcher.submit(tokens)) for _ in range(3)]
        await _wait_entered(gated)
        stopping = asyncio.ensure_future(asyncio.to_thread(dispatcher.stop, 10))
        await asyncio.sleep(0.01)
        gated.gate.set()
        await stopping
        return await asyncio.gather(*jobs)

    results = asyncio.run(scenario())
    assert all(len(r) == 1 for r in results)
    assert not dispatcher.alive


def test_a_batch_waits_for_the_requests_expected_from_the_last_round(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    dispatcher = make_dispatcher(max_wait_s=2.0)
    a, b, c, d = ([translator.tokenize(t)] for t in sentences(4))

    async def scenario() -> None:
        first = asyncio.ensure_future(dispatcher.submit(a))
        await _wait_entered(gated)
        queued = [asyncio.ensure_future(dispatcher.submit(x)) for x in (b, c)]
        await asyncio.sleep(0.01)
        gated.gate.set()
        await first  # three requests were in the system: the next batch waits for a third
        await asyncio.gather(*queued, dispatcher.submit(d))

    asyncio.run(scenario())
    assert [len(batch) for batch in gated.calls] == [1, 3]


def test_a_lone_client_at_idle_never_waits(
    make_dispatcher: type[Dispatcher], gated: GatedTranslator, translator: BundleTranslator
) -> None:
    gated.gate.set()
    dispatcher = make_dispatcher(max_wait_s=5.0)
    tokens = [translator.tokenize("A dog is running.")]

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for _ in range(3):
            await dispatcher.submit(tokens)
        return loop.time() - start

    assert asyncio.run(scenario()) < 2.0


def test_a_sentence_that_fails_fails_only_its_own_request(overstated_bundle: Path) -> None:
    # The real failure: CTranslate2 raises for a sentence longer than the model's positions.
    real = BundleTranslator(
        overstated_bundle, open_verified(overstated_bundle), ServiceSettings(intra_threads=1)
    )
    gated = GatedTranslator(real)
    dispatcher = Dispatcher("en-de", gated, max_wait_s=0, max_tokens=100_000)
    dispatcher.start()
    normal = [[real.tokenize(text)] for text in sentences(20)]
    poison = [real.tokenize(poison_sentence())]

    async def scenario() -> list[list[TranslatedSentence] | BaseException]:
        first = asyncio.ensure_future(dispatcher.submit(normal[0]))
        await _wait_entered(gated)  # the rest queue up and share the next batch
        rest = [asyncio.ensure_future(dispatcher.submit(job)) for job in [*normal[1:], poison]]
        await asyncio.sleep(0.1)
        gated.gate.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    try:
        results = asyncio.run(scenario())
    finally:
        gated.gate.set()
        dispatcher.stop(timeout=10)
    assert len(gated.calls[1]) == 20  # the poisoned batch: 19 normal sentences and the poison
    *answered, failed = results
    assert isinstance(failed, SentenceFailedError)
    assert all(isinstance(result, list) and len(result) == 1 for result in answered)
