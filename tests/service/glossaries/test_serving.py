"""GlossaryService: creation checks the language pair, translations check the glossary's."""

from __future__ import annotations

import asyncio

import pytest

from service.glossaries import GlossaryService, GlossarySettings
from service.glossaries.errors import (
    GlossaryMismatchError,
    GlossaryNotFoundError,
    InvalidGlossaryError,
)

PAIRS = [("en", "de"), ("de", "en")]


def service() -> GlossaryService:
    return GlossaryService(GlossarySettings(max_inline_entries=2))


def test_a_created_glossary_is_described_as_deepl_describes_it() -> None:
    glossaries = service()
    created = glossaries.create("brand", "EN", "de", "bike\tVelo\ncar\tAuto", "tsv", PAIRS)
    assert (created.name, created.source_lang, created.target_lang) == ("brand", "en", "de")
    assert created.entry_count == 2
    assert created.ready is True
    assert created.creation_time.endswith("Z")
    assert glossaries.info(created.glossary_id) == created


def test_a_glossary_for_a_pair_not_served_is_refused_naming_the_served_pairs() -> None:
    with pytest.raises(InvalidGlossaryError, match=r"no glossary language pair en-fr .*de-en"):
        service().create("x", "en", "fr", "a\tb", "tsv", PAIRS)


def test_a_glossary_without_a_name_is_refused() -> None:
    with pytest.raises(InvalidGlossaryError, match="needs a name"):
        service().create("  ", "en", "de", "a\tb", "tsv", PAIRS)


def test_a_glossary_applies_only_to_its_own_direction() -> None:
    glossaries = service()
    created = glossaries.create("brand", "en", "de", "bike\tVelo", "tsv", PAIRS)
    assert glossaries.matcher(created.glossary_id, "EN", "de-DE").find("a bike")
    with pytest.raises(GlossaryMismatchError, match="is en-de; the request translates de-en"):
        glossaries.matcher(created.glossary_id, "de", "en")


def test_a_deleted_glossary_no_longer_applies() -> None:
    glossaries = service()
    created = glossaries.create("brand", "en", "de", "bike\tVelo", "tsv", PAIRS)
    glossaries.matcher(created.glossary_id, "en", "de")  # compiled and cached
    glossaries.delete(created.glossary_id)
    with pytest.raises(GlossaryNotFoundError):
        glossaries.matcher(created.glossary_id, "en", "de")
    with pytest.raises(GlossaryNotFoundError):
        glossaries.delete(created.glossary_id)


def test_a_request_names_a_stored_glossary_or_gives_inline_terms_not_both() -> None:
    glossaries = service()
    assert asyncio.run(glossaries.terms_for("en", "de")) is None
    inline = asyncio.run(glossaries.terms_for("en", "de", inline={"bike": "Velo"}))
    assert inline is not None and inline("a bike") == [(2, 6, "Velo")]
    with pytest.raises(InvalidGlossaryError, match="not both"):
        asyncio.run(glossaries.terms_for("en", "de", "some-id", {"bike": "Velo"}))
    with pytest.raises(InvalidGlossaryError, match="source_lang is required"):
        asyncio.run(glossaries.terms_for(None, "de", "some-id"))
