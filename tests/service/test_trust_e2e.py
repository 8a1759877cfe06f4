"""Ordinary but unusual input: never a 500, never silent loss, and a warning when the student
is out of its depth (real server on loopback, real tiny bundles)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import PLACES, caption_pairs
from tests.service.conftest import poison_sentence
from tests.service.server import RunningService, running_service


def translate(service: RunningService, text: str | list[str]) -> httpx.Response:
    return httpx.post(
        f"{service.url}/v1/translate",
        json={"text": text, "source": "en", "target": "de"},
        timeout=60,
    )


def test_a_long_run_of_one_letter_is_translated_not_a_500(service: RunningService) -> None:
    response = translate(service, "a" * 300)
    assert response.status_code == 200
    assert response.json()["quality"][0]["low_confidence"]


def test_a_run_on_sentence_of_captions_keeps_every_caption(service: RunningService) -> None:
    captions = [en.rstrip(".") for en, _ in caption_pairs()]
    # One caption per place, joined by commas into one long sentence.
    run_on = ", ".join(next(c for c in captions if c.endswith(p_en)) for p_en, _ in PLACES) + "."
    translated = translate(service, run_on).json()["translations"][0]
    missing = [p_de for _, p_de in PLACES if p_de.split()[-1] not in translated]
    assert len(missing) <= 1, translated


def test_every_answer_says_per_text_how_confident_the_student_is(
    service: RunningService,
) -> None:
    body = translate(service, ["A dog is sleeping in the park.", "a" * 300]).json()
    caption, nonsense = body["quality"]
    assert not caption["low_confidence"]
    assert caption["flagged"] == []
    assert 0 < nonsense["confidence"] < caption["confidence"] <= 1
    assert nonsense["low_confidence"]
    assert nonsense["flagged"][0]["reasons"]


@pytest.fixture(scope="module")
def overstated_service(
    overstated_bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    models = tmp_path_factory.mktemp("overstated-models")
    shutil.copytree(overstated_bundle, models / "en-de")
    log = tmp_path_factory.mktemp("logs") / "overstated.log"
    # Admission by expected wait is off: this burst is about fault isolation, not overload.
    with running_service(
        models, log, MT_MAX_BATCH_WAIT_MS="20", MT_MAX_QUEUE_WAIT_MS="0"
    ) as running:
        yield running


def test_one_failing_sentence_fails_only_its_own_request(
    overstated_service: RunningService,
) -> None:
    texts = [en for en, _ in caption_pairs(40, seed=3)]

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=overstated_service.url, timeout=60) as client:
            payloads = [*texts[:20], poison_sentence(), *texts[20:]]
            return await asyncio.gather(
                *(
                    client.post("/v1/translate", json={"text": t, "source": "en", "target": "de"})
                    for t in payloads
                )
            )

    responses = asyncio.run(burst())
    poisoned = responses.pop(20)
    assert poisoned.status_code == 422
    assert poisoned.json()["error"]["code"] == "untranslatable_sentence"
    assert [r.status_code for r in responses] == [200] * 40
    assert "Traceback" not in overstated_service.logs()
