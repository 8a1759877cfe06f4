"""Glossary terms ride on the placeholder masking: the model sees the target term where the
source term was, and the output has it, even when the model drops it (the fallback keeps it)."""

from __future__ import annotations

from service.glossaries import TermMatcher
from service.text import PreparedText, prepare_text

TERMS = TermMatcher({"bike": "Velo", "train station": "Bahnhof"}).spans


def prepare(text: str, protected: bool = True) -> PreparedText:
    return prepare_text(text, "en", len, 200, protected=TERMS if protected else None)


def test_the_model_sees_the_target_term_where_the_source_term_was() -> None:
    assert prepare("A Bike near the train station.").sentences == ["A Velo near the Bahnhof."]


def test_the_words_a_check_sees_are_the_sources_own_without_placeholders() -> None:
    """The German target term would look unfamiliar to an English vocabulary: it is not there."""
    prepared = prepare("Ride the {name} bike to <b>the train station</b>.")
    assert prepared.words_of(0) == "Ride the bike to the train station."


def test_a_translation_that_keeps_the_target_terms_is_taken_as_is() -> None:
    prepared = prepare("A Bike near the train station.")
    assert prepared.fallbacks(["Ein Velo am Bahnhof."]) == {}
    assert prepared.restore(["Ein Velo am Bahnhof."]) == "Ein Velo am Bahnhof."


def test_sentinels_are_numbered_among_the_other_placeholders_only() -> None:
    prepared = prepare("Ride the {name} bike to <b>the train station</b>.")
    assert prepared.sentences == ["Ride the [1] Velo to [2]the Bahnhof[3]."]
    restored = prepared.restore(["Fahr [1] Velo zu [2]Bahnhof[3]."])
    assert restored == "Fahr {name} Velo zu <b>Bahnhof</b>."


def test_a_translation_without_the_target_term_falls_back_to_the_plain_sentence_first() -> None:
    prepared = prepare("A man rides a bike in the park.")
    assert prepared.fallbacks(["Ein Mann fährt ein Fahrrad im Park."]) == {
        0: ["A man rides a bike in the park.", "A man rides a", "in the park."]
    }


def test_the_plain_sentences_translation_is_taken_when_it_has_every_target_term() -> None:
    prepared = prepare("A bike near the {place}.")

    def translate(sentences: list[str]) -> list[str]:
        return ["Ein Velo beim [1]." if "bike" in s else s.upper() for s in sentences]

    assert prepared.sentences == ["A Velo near the [1]."]
    assert prepared.translate_with(translate) == "Ein Velo beim {place}."


def test_without_the_term_anywhere_the_pieces_are_translated_around_it() -> None:
    prepared = prepare("A man rides a bike in the park.")

    def translate_term_away(sentences: list[str]) -> list[str]:
        return [s.replace("Velo", "Fahrrad").replace("bike", "Rad").upper() for s in sentences]

    assert prepared.translate_with(translate_term_away) == "A MAN RIDES A Velo IN THE PARK."


def test_a_piece_that_lost_its_punctuation_next_to_a_term_is_not_glued_to_it() -> None:
    prepared = prepare("Bikes aside, a bike, trains.")  # the piece after "bike" starts with ","

    def drop_punctuation(sentences: list[str]) -> list[str]:
        return [s.replace("Velo", "Rad").replace(",", "").upper() for s in sentences]

    # the pieces come back without their commas; a space keeps them apart from the term
    assert prepared.translate_with(drop_punctuation) == "BIKES ASIDE A Velo TRAINS."


def test_a_piece_glued_to_a_term_in_the_source_stays_glued() -> None:
    prepared = prepare("A bike-shed.")

    def lose_term(sentences: list[str]) -> list[str]:
        return [s.replace("Velo", "Rad").upper() for s in sentences]

    assert prepared.translate_with(lose_term) == "A Velo-SHED."


def test_the_target_term_inside_a_longer_word_does_not_count() -> None:
    prepared = prepare("A bike.")
    assert prepared.fallbacks(["Ein Velofahrer."]) == {0: ["A bike.", "A"]}


def test_a_term_wanted_twice_must_come_back_twice() -> None:
    prepared = prepare("A bike and a bike.")
    assert prepared.fallbacks(["Ein Velo und ein Rad."]) == {
        0: ["A bike and a bike.", "A", "and a"]
    }


def test_a_text_that_is_only_a_term_is_not_sent_to_the_model() -> None:
    prepared = prepare("Bike!")
    assert prepared.sentences == []
    assert prepared.restore([]) == "Velo!"


def test_text_without_a_term_is_prepared_exactly_as_without_a_glossary() -> None:
    text = "Two dogs play in the snow.\n\nA {name} runs."
    assert prepare(text).sentences == prepare(text, protected=False).sentences
