"""The official `deepl` client works against the service by changing its server URL."""

from __future__ import annotations

import deepl
import httpx

from tests.service.server import RunningService


def client(service: RunningService) -> deepl.Translator:
    return deepl.Translator("any-key:fx", server_url=service.url)


def test_the_deepl_client_translates_a_list_of_texts(service: RunningService) -> None:
    results = client(service).translate_text(
        ["A dog is running in the park.", "A woman is sitting on a bench."],
        source_lang="EN",
        target_lang="DE",
    )
    assert isinstance(results, list)
    assert "Park" in results[0].text
    assert "Bank" in results[1].text
    assert results[0].detected_source_lang == "EN"
    assert results[0].billed_characters == len("A dog is running in the park.")


def test_the_deepl_client_may_leave_out_the_source_language(service: RunningService) -> None:
    result = client(service).translate_text("A boy is playing.", target_lang="DE")
    assert isinstance(result, deepl.TextResult)
    assert result.detected_source_lang == "EN"


def test_a_regional_target_maps_onto_the_language_bundle(service: RunningService) -> None:
    result = client(service).translate_text("Ein Hund.", source_lang="DE", target_lang="EN-GB")
    assert isinstance(result, deepl.TextResult)


def test_the_deepl_client_lists_languages_and_usage(service: RunningService) -> None:
    translator = client(service)
    assert [lang.code for lang in translator.get_source_languages()] == ["DE", "EN"]
    targets = [lang.code for lang in translator.get_target_languages()]
    assert targets == ["DE", "EN-GB", "EN-US"]
    usage = translator.get_usage()
    assert usage.character.count > 0
    assert not usage.any_limit_reached


def test_a_form_body_with_repeated_text_fields_is_accepted(service: RunningService) -> None:
    response = httpx.post(
        f"{service.url}/v2/translate",
        data={"text": ["A dog is running.", "A man is sleeping."], "target_lang": "DE"},
        headers={"Authorization": "DeepL-Auth-Key some-key"},
    )
    assert response.status_code == 200
    assert len(response.json()["translations"]) == 2


def test_a_deepl_request_without_text_is_unprocessable(service: RunningService) -> None:
    response = httpx.post(f"{service.url}/v2/translate", json={"target_lang": "DE"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
