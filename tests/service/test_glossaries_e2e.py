"""Glossaries through the official `deepl` client and v1, against the real service: every entry
is honoured, errors come in DeepL's shape, and replicas sharing Redis share glossaries."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import deepl
import httpx
import pytest

from tests.service.documents.test_jobs import redis_url
from tests.service.server import RunningService, running_service

__all__ = ["redis_url"]  # the real redis-server fixture


def client(service: RunningService) -> deepl.Translator:
    return deepl.Translator("any-key:fx", server_url=service.url)


def document(translator: deepl.Translator, text: bytes, **options: object) -> str:
    """A .txt document translated en->de through the client's document upload."""
    translated = io.BytesIO()
    translator.translate_document(
        io.BytesIO(text),
        translated,
        source_lang="EN",
        target_lang="DE",
        filename="captions.txt",
        **options,  # type: ignore[arg-type]
    )
    return translated.getvalue().decode()


@pytest.fixture
def glossary(service: RunningService) -> Iterator[deepl.GlossaryInfo]:
    translator = client(service)
    created = translator.create_glossary(
        "captions", "EN", "DE", {"park": "Stadtpark", "red ball": "Spielball"}
    )
    yield created
    if created.glossary_id in {g.glossary_id for g in translator.list_glossaries()}:
        translator.delete_glossary(created)


def test_the_deepl_client_creates_lists_reads_and_deletes_a_glossary(
    service: RunningService,
) -> None:
    translator = client(service)
    created = translator.create_glossary("brand", "EN", "DE", {"bike": "Velo", "car": "Auto"})
    assert (created.name, created.source_lang, created.target_lang) == ("brand", "EN", "DE")
    assert created.entry_count == 2 and created.ready
    assert created.glossary_id in [g.glossary_id for g in translator.list_glossaries()]
    assert translator.get_glossary(created.glossary_id).entry_count == 2
    assert translator.get_glossary_entries(created) == {"bike": "Velo", "car": "Auto"}
    translator.delete_glossary(created)
    with pytest.raises(deepl.GlossaryNotFoundException):
        translator.get_glossary(created.glossary_id)


def test_a_translation_with_a_glossary_has_every_target_term(
    service: RunningService, glossary: deepl.GlossaryInfo
) -> None:
    results = client(service).translate_text(
        ["A dog is running in the Park.", "A child throws a red  ball.", "A man sleeps."],
        source_lang="EN",
        target_lang="DE",
        glossary=glossary,
    )
    assert isinstance(results, list)
    assert "Stadtpark" in results[0].text
    assert "Spielball" in results[1].text
    without = client(service).translate_text("A man sleeps.", source_lang="EN", target_lang="DE")
    assert isinstance(without, deepl.TextResult)
    assert results[2].text == without.text  # no term: the glossary changes nothing


def test_deepls_newer_glossary_ids_with_one_glossary_applies_it(
    service: RunningService, glossary: deepl.GlossaryInfo
) -> None:
    result = client(service).translate_text(
        "A dog is running in the park.",
        source_lang="EN",
        target_lang="DE",
        glossary_ids=[glossary],
    )
    assert isinstance(result, deepl.TextResult)
    assert "Stadtpark" in result.text


def test_a_document_with_one_glossary_in_glossary_ids_has_its_terms(
    service: RunningService, glossary: deepl.GlossaryInfo
) -> None:
    text = document(client(service), b"A dog is running in the park.\n", glossary_ids=[glossary])
    assert "Stadtpark" in text


def test_two_glossaries_in_one_request_are_refused_not_half_applied(
    service: RunningService, glossary: deepl.GlossaryInfo
) -> None:
    translator = client(service)
    other = translator.create_glossary("brand", "EN", "DE", {"dog": "Hündchen"})
    with pytest.raises(deepl.DeepLException, match="2 glossaries were given") as error:
        translator.translate_text(
            "A dog in the park.", source_lang="EN", target_lang="DE", glossary_ids=[glossary, other]
        )
    assert error.value.http_status_code == 400
    with pytest.raises(deepl.DeepLException, match="2 glossaries were given"):
        document(translator, b"A dog in the park.\n", glossary_ids=[glossary, other])
    translator.delete_glossary(other)


def test_a_document_is_translated_with_a_glossary(
    service: RunningService, glossary: deepl.GlossaryInfo
) -> None:
    source = b"A dog is running in the park.\n\nA child throws a red ball.\n"
    text = document(client(service), source, glossary=glossary)
    assert "Stadtpark" in text and "Spielball" in text


def test_the_glossary_language_pairs_are_the_served_directions(service: RunningService) -> None:
    pairs = client(service).get_glossary_languages()
    assert sorted((p.source_lang, p.target_lang) for p in pairs) == [("de", "en"), ("en", "de")]


def test_bad_entries_are_a_bad_request_in_deepls_shape(service: RunningService) -> None:
    answer = httpx.post(
        f"{service.url}/v2/glossaries",
        data={
            "name": "dup",
            "source_lang": "en",
            "target_lang": "de",
            "entries": "bike\tVelo\nBike\tRad",
            "entries_format": "tsv",
        },
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "entry 2 duplicates the source term of entry 1 "
        "(terms are matched case-insensitively)",
        "code": "invalid_glossary",
    }


def test_the_client_shows_our_message_for_an_unserved_pair(service: RunningService) -> None:
    with pytest.raises(deepl.DeepLException, match="no glossary language pair en-fr"):
        client(service).create_glossary("fr", "EN", "FR", {"bike": "vélo"})


def test_a_glossary_of_another_direction_is_refused(
    service: RunningService, glossary: deepl.GlossaryInfo
) -> None:
    with pytest.raises(deepl.DeepLException, match="is en-de; the request translates de-en"):
        client(service).translate_text(
            "Ein Hund.", source_lang="DE", target_lang="EN-GB", glossary=glossary.glossary_id
        )


def test_a_deleted_glossary_is_not_found_when_translating(service: RunningService) -> None:
    translator = client(service)
    created = translator.create_glossary("gone", "EN", "DE", {"bike": "Velo"})
    translator.delete_glossary(created)
    with pytest.raises(deepl.DeepLException, match="Not found, message: no glossary") as error:
        translator.translate_text("A bike.", source_lang="EN", target_lang="DE", glossary=created)
    assert error.value.http_status_code == 404


def test_v1_takes_a_glossary_id_or_inline_terms(
    service: RunningService, glossary: deepl.GlossaryInfo
) -> None:
    body = {"text": "A dog is running in the park.", "source": "en", "target": "de"}
    by_id = httpx.post(
        f"{service.url}/v1/translate", json={**body, "glossary_id": glossary.glossary_id}
    )
    assert "Stadtpark" in by_id.json()["translations"][0]
    inline = httpx.post(f"{service.url}/v1/translate", json={**body, "glossary": {"dog": "Mops"}})
    assert "Mops" in inline.json()["translations"][0]
    both = httpx.post(
        f"{service.url}/v1/translate",
        json={**body, "glossary": {"dog": "Mops"}, "glossary_id": glossary.glossary_id},
    )
    assert both.status_code == 400
    assert both.json()["error"] == {
        "code": "invalid_glossary",
        "message": "give glossary_id or glossary, not both",
    }


def test_v1_refuses_a_bad_inline_glossary_naming_the_entry(service: RunningService) -> None:
    answer = httpx.post(
        f"{service.url}/v1/translate",
        json={"text": "A dog.", "source": "en", "target": "de", "glossary": {"dog": ""}},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "entry 1: the target term is empty"


def test_two_instances_sharing_redis_share_glossaries_and_their_limit(
    models_dir: Path, tmp_path: Path, redis_url: str
) -> None:
    env = {"MT_GLOSSARY_REDIS_URL": redis_url, "MT_GLOSSARY_MAX_GLOSSARIES": "1"}
    with (
        running_service(models_dir, tmp_path / "a.log", 60.0, **env) as first,
        running_service(models_dir, tmp_path / "b.log", 60.0, **env) as second,
    ):
        created = client(first).create_glossary("shared", "EN", "DE", {"park": "Stadtpark"})
        result = client(second).translate_text(
            "A dog is running in the park.", source_lang="EN", target_lang="DE", glossary=created
        )
        assert isinstance(result, deepl.TextResult) and "Stadtpark" in result.text
        with pytest.raises(deepl.DeepLException, match="no room for another glossary"):
            client(second).create_glossary("second", "EN", "DE", {"bike": "Velo"})
        client(second).delete_glossary(created)
        with pytest.raises(deepl.GlossaryNotFoundException):
            client(first).get_glossary(created.glossary_id)
