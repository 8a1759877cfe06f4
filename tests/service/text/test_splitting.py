"""Sentence splitting by language, and overlong sentences cut at safe points, never truncated."""

from __future__ import annotations

import doctest
import time

import service.text
from service.text import prepare_text


def words(text: str) -> int:
    return len(text.split())


def test_sentences_are_split_by_the_rules_of_the_source_language() -> None:
    text = "Am 3. Mai kommt Dr. Müller. Gut."
    assert prepare_text(text, "de", words, 50).sentences == ["Am 3. Mai kommt Dr. Müller.", "Gut."]


def test_regional_and_upper_case_language_codes_use_the_base_language_rules() -> None:
    text = "Am 3. Mai kommt Dr. Müller. Gut."
    expected = prepare_text(text, "de", words, 50).sentences
    for code in ["DE", "de-AT", "de_CH", " De "]:
        assert prepare_text(text, code, words, 50).sentences == expected, code


def test_abbreviations_do_not_end_english_sentences() -> None:
    text = "Mr. Smith met Dr. Jones, e.g. at noon. They left."
    assert prepare_text(text, "en", words, 50).sentences == [
        "Mr. Smith met Dr. Jones, e.g. at noon.",
        "They left.",
    ]


def test_sentences_without_spaces_are_split_at_ideographic_stops() -> None:
    prepared = prepare_text("今日は晴れです。明日は雨です。", "ja", len, 50)
    assert prepared.sentences == ["今日は晴れです。", "明日は雨です。"]


def test_overlong_sentence_is_split_not_truncated() -> None:
    sentence = " ".join(f"word{i}" for i in range(40)) + "."
    prepared = prepare_text(f"Short one. {sentence} End.", "en", words, max_tokens=8)
    assert all(words(s) <= 8 for s in prepared.sentences)
    assert len(prepared.sentences) == 2 + 5
    assert prepared.restore(prepared.sentences) == f"Short one. {sentence} End."
    assert prepared.restore([s.upper() for s in prepared.sentences]) == (
        f"SHORT ONE. {sentence.upper()} END."
    )


def test_overlong_sentence_is_cut_after_clause_punctuation_first() -> None:
    text = "one two three, four five six; seven eight nine: ten eleven — twelve thirteen"
    prepared = prepare_text(text, "en", words, max_tokens=4)
    assert prepared.sentences == [
        "one two three,",
        "four five six;",
        "seven eight nine:",
        "ten eleven —",
        "twelve thirteen",
    ]


def test_a_cut_never_falls_inside_a_placeholder() -> None:
    url = "https://example.com/a-very-long/path/that-would-not-fit?query=1,2;3"
    text = f'Go to {url} and {{name}} and <a href="{url}">this, that</a> now please'
    prepared = prepare_text(text, "en", len, max_tokens=12)
    assert all(len(s) <= 12 for s in prepared.sentences)
    assert prepared.restore(prepared.sentences) == text
    assert prepared.restore([s.upper() for s in prepared.sentences]).count(url) == 2


def test_text_without_any_break_is_cut_between_characters() -> None:
    text = "漢字" * 40
    prepared = prepare_text(text, "zh", len, max_tokens=15)
    assert all(len(s) <= 15 for s in prepared.sentences)
    assert "".join(prepared.sentences) == text


def test_a_token_limit_smaller_than_one_character_still_makes_progress() -> None:
    prepared = prepare_text("abc", "en", lambda s: 10 * len(s), max_tokens=5)
    assert prepared.sentences == ["a", "b", "c"]


def test_adversarial_inputs_are_prepared_in_linear_time() -> None:
    texts = ["a" * 100_000, "<a " * 30_000, "{x " * 30_000, "a.b@" * 20_000, "http://" * 10_000]
    start = time.perf_counter()
    for text in texts:
        assert prepare_text(text, "en", len, max_tokens=100_000_000).restore
    assert time.perf_counter() - start < 5


def test_the_package_docstring_example_is_true() -> None:
    assert doctest.testmod(service.text).failed == 0
