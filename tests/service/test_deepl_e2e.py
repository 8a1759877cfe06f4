"""The official `deepl` client works against the service by changing its server URL."""

from __future__ import annotations

import deepl
import httpx
import pytest

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


def test_a_deepl_request_without_text_is_a_bad_request_in_deepls_shape(
    service: RunningService,
) -> None:
    response = httpx.post(f"{service.url}/v2/translate", json={"target_lang": "DE"})
    assert response.status_code == 400
    assert response.json() == {"message": "text: Field required", "code": "invalid_request"}


# What the official client shows for our errors: DeepL's exception, with our message in it.


def test_an_unknown_language_pair_shows_our_message_in_the_client(
    service: RunningService,
) -> None:
    with pytest.raises(deepl.DeepLException, match="message: no model translates en-fr") as error:
        client(service).translate_text("A dog.", source_lang="EN", target_lang="FR")
    assert error.value.http_status_code == 400


def test_text_over_the_character_limit_shows_our_message_in_the_client(
    service: RunningService,
) -> None:
    text = "A dog runs. " * 130  # 1,560 characters, over the 1,500 of this service
    with pytest.raises(deepl.DeepLException, match="the limit is 1500") as error:
        client(service).translate_text(text, source_lang="EN", target_lang="DE")
    assert error.value.http_status_code == 413


def test_a_body_over_the_byte_limit_is_refused_in_deepls_shape(service: RunningService) -> None:
    text = "A dog runs. " * 400  # 4,800 bytes, over the 4,000 of this service
    with pytest.raises(deepl.DeepLException, match="larger than 4000 bytes") as error:
        client(service).translate_text(text, source_lang="EN", target_lang="DE")
    assert error.value.http_status_code == 413
    answer = httpx.post(f"{service.url}/v2/translate", json={"text": [text], "target_lang": "DE"})
    assert answer.json() == {
        "message": "request body is larger than 4000 bytes",
        "code": "body_too_large",
    }


def test_a_bad_parameter_shows_our_message_in_the_client(service: RunningService) -> None:
    with pytest.raises(
        deepl.DeepLException, match="Bad request, message: target_lang: String should have"
    ) as error:
        client(service).translate_text("A dog.", source_lang="EN", target_lang="X")
    assert error.value.http_status_code == 400


def test_a_refused_document_format_shows_our_message_in_the_client(
    service: RunningService,
) -> None:
    with pytest.raises(
        deepl.DeepLException, match="Bad request, message: This file type is not supported"
    ) as error:
        client(service).translate_document_upload(
            b"MZ\x90\x00", filename="setup.exe", source_lang="EN", target_lang="DE"
        )
    assert error.value.http_status_code == 400


def test_an_unknown_document_is_not_found_with_our_message(service: RunningService) -> None:
    handle = deepl.DocumentHandle("no-such-job", "no-key")
    with pytest.raises(deepl.DeepLException, match="Not found, message: No such document job"):
        client(service).translate_document_get_status(handle)


def test_v1_keeps_its_envelope_for_the_same_error(service: RunningService) -> None:
    answer = httpx.post(
        f"{service.url}/v1/translate", json={"text": "A dog.", "source": "en", "target": "fr"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "unsupported_direction"
