"""POST /v1/translate and GET /v1/languages against the real server on loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bundle import open_verified
from service.engine.translator import BundleTranslator
from service.settings import ServiceSettings
from tests.factories import caption_pairs
from tests.service.server import RunningService


def translate(
    service: RunningService, text: str | list[str], source: str = "en", target: str = "de"
) -> httpx.Response:
    return httpx.post(
        f"{service.url}/v1/translate",
        json={"text": text, "source": source, "target": target},
        timeout=30,
    )


def test_a_single_text_comes_back_as_a_list_of_one_translation(service: RunningService) -> None:
    response = translate(service, "A dog is running in the park.")
    assert response.status_code == 200
    body = response.json()
    assert len(body["translations"]) == 1
    assert "Park" in body["translations"][0]
    assert body["model"] == "tiny-en-de"


def test_a_list_of_texts_is_translated_in_input_order(service: RunningService) -> None:
    texts = ["A man is sitting on a bench.", "A dog is sleeping in the snow.", "A girl is playing."]
    translations = translate(service, texts).json()["translations"]
    assert len(translations) == 3
    assert "Bank" in translations[0]
    assert "Schnee" in translations[1]
    assert "spielt" in translations[2]


def test_whitespace_and_placeholders_come_back_unchanged(service: RunningService) -> None:
    text = "  A man is running on the street.\n\nA dog is sleeping {name}.\n"
    translated = translate(service, text).json()["translations"][0]
    assert translated.startswith("  ")
    assert "\n\n" in translated
    assert translated.endswith("\n")
    assert "{name}" in translated


def test_usage_counts_characters_and_tokens(service: RunningService) -> None:
    text = "A boy is walking near the water."
    usage = translate(service, [text, text]).json()["usage"]
    assert usage["characters"] == 2 * len(text)
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert usage["input_tokens"] % 2 == 0


def test_the_other_direction_is_served_by_its_own_bundle(service: RunningService) -> None:
    response = translate(service, "Ein Hund läuft.", source="de", target="en")
    assert response.status_code == 200
    assert response.json()["model"] == "tiny-de-en"


def test_language_codes_are_case_and_region_insensitive(service: RunningService) -> None:
    assert translate(service, "A dog is running.", source="EN-GB", target="DE").status_code == 200


def test_languages_lists_every_direction_with_its_bundle(service: RunningService) -> None:
    directions = httpx.get(f"{service.url}/v1/languages").json()["directions"]
    assert [(d["source"], d["target"], d["model"]) for d in directions] == [
        ("de", "en", "tiny-de-en"),
        ("en", "de", "tiny-en-de"),
    ]
    assert directions[1]["version"] == "0.0.1"
    assert directions[1]["teacher"] == "tests/tiny-teacher"
    assert directions[1]["quality"]["templates"]["student"]["chrf"] == 30.0


def test_32_concurrent_clients_each_get_their_own_translation(
    service: RunningService, models_dir: Path
) -> None:
    sentences = [en for en, _ in caption_pairs(32, seed=7)]

    async def client(http: httpx.AsyncClient, sentence: str) -> str:
        response = await http.post(
            f"{service.url}/v1/translate",
            json={"text": sentence, "source": "en", "target": "de"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["translations"][0])

    async def run_all() -> list[str]:
        limits = httpx.Limits(max_connections=32)
        async with httpx.AsyncClient(limits=limits) as http:
            return await asyncio.gather(*(client(http, s) for s in sentences))

    served = asyncio.run(run_all())
    folder = models_dir / "en-de"
    alone = BundleTranslator(folder, open_verified(folder), ServiceSettings(intra_threads=1))
    assert served == [alone.translate([s])[0].text for s in sentences]


def test_health_and_readiness_answer_once_warmed(service: RunningService) -> None:
    assert httpx.get(f"{service.url}/healthz").json() == {"status": "alive"}
    assert httpx.get(f"{service.url}/readyz").json() == {"status": "ready"}


def test_openapi_documents_the_translate_route(service: RunningService) -> None:
    assert httpx.get(f"{service.url}/docs").status_code == 200
    paths = httpx.get(f"{service.url}/openapi.json").json()["paths"]
    assert {"/v1/translate", "/v1/languages", "/v2/translate", "/readyz"} <= paths.keys()


def test_metrics_expose_requests_batches_cache_and_bundle_info(service: RunningService) -> None:
    translate(service, "An old man is standing in front of a building.")
    translate(service, "An old man is standing in front of a building.")
    text = httpx.get(f"{service.url}/metrics").text
    assert 'mt_http_requests_total{endpoint="/v1/translate",method="POST",status="200"}' in text
    assert 'mt_batch_size_sentences_count{direction="en-de"}' in text
    assert 'mt_queue_depth_requests{direction="en-de"}' in text
    hits = [
        line
        for line in text.splitlines()
        if line.startswith('mt_cache_hits_total{direction="en-de"}')
    ]
    assert hits and float(hits[0].split()[-1]) >= 1
    assert (
        'mt_bundle_info{direction="en-de",name="tiny-en-de",teacher="tests/tiny-teacher",'
        'version="0.0.1"} 1.0'
    ) in text
