"""Glossary terms ride on the placeholder masking: the model sees a sentinel, the output gets
the target term, even when the model damages the sentinel (the fallback keeps it)."""

from __future__ import annotations

from service.glossaries import TermMatcher
from service.text import prepare_text

TERMS = TermMatcher({"bike": "Velo", "train station": "Bahnhof"}).spans


def prepare(text: str, protected: bool = True):  # type: ignore[no-untyped-def]
    return prepare_text(text, "en", len, 200, protected=TERMS if protected else None)


def test_the_model_sees_a_sentinel_where_the_term_was() -> None:
    assert prepare("A Bike near the train station.").sentences == ["A [1] near the [2]."]


def test_the_target_term_comes_back_in_place_of_the_sentinel() -> None:
    prepared = prepare("A Bike near the train station.")
    assert prepared.restore(["Ein [1] am [2]."]) == "Ein Velo am Bahnhof."


def test_terms_and_placeholders_are_numbered_together_in_order() -> None:
    prepared = prepare("Ride the {name} bike to <b>the train station</b>.")
    assert prepared.sentences == ["Ride the [1] [2] to [3]the [4][5]."]
    restored = prepared.restore(["Fahr [1] [2] zu [3][4][5]."])
    assert restored == "Fahr {name} Velo zu <b>Bahnhof</b>."


def test_a_dropped_sentinel_still_gives_the_target_term_through_the_fallback() -> None:
    prepared = prepare("A man rides a bike in the park.")

    def drop_sentinels(sentences: list[str]) -> list[str]:
        return [s.replace("[1]", "").upper() for s in sentences]

    assert prepared.translate_with(drop_sentinels) == "A MAN RIDES A Velo IN THE PARK."


def test_a_text_that_is_only_a_term_is_not_sent_to_the_model() -> None:
    prepared = prepare("Bike!")
    assert prepared.sentences == []
    assert prepared.restore([]) == "Velo!"


def test_text_without_a_term_is_prepared_exactly_as_without_a_glossary() -> None:
    text = "Two dogs play in the snow.\n\nA {name} runs."
    assert prepare(text).sentences == prepare(text, protected=False).sentences
