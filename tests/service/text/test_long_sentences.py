"""Sentences far longer than the student was trained on are cut at clause boundaries only."""

from __future__ import annotations

from service.text import prepare_text


def words(text: str) -> int:
    return len(text.split())


def test_a_run_on_sentence_over_the_long_limit_is_cut_after_its_commas() -> None:
    text = "A dog runs in the park, a man sits on a bench, two girls play on the beach."
    prepared = prepare_text(text, "en", words, max_tokens=100, long_tokens=8)
    assert prepared.sentences == [
        "A dog runs in the park,",
        "a man sits on a bench,",
        "two girls play on the beach.",
    ]
    assert prepared.restore(prepared.sentences) == text


def test_clauses_that_fit_together_stay_together() -> None:
    text = "A dog runs, a cat sleeps, a bird sings in the old tree by the lake."
    prepared = prepare_text(text, "en", words, max_tokens=100, long_tokens=6)
    assert prepared.sentences == [
        "A dog runs, a cat sleeps,",
        "a bird sings in the old tree by the lake.",
    ]


def test_a_long_sentence_without_clause_punctuation_is_not_cut_at_a_space() -> None:
    text = "A man and a woman with a small dog walk down the long street."  # 14 words
    prepared = prepare_text(text, "en", words, max_tokens=100, long_tokens=8)
    assert prepared.sentences == [text]


def test_a_clause_far_over_the_long_limit_is_cut_into_pieces_of_that_limit() -> None:
    text = " ".join(["the"] * 40) + "."  # 5 x the long limit, no punctuation to cut at
    prepared = prepare_text(text, "en", words, max_tokens=100, long_tokens=8)
    assert [words(sentence) for sentence in prepared.sentences] == [8] * 5
    assert prepared.restore(prepared.sentences) == text


def test_the_models_hard_limit_still_cuts_a_long_clause() -> None:
    text = "one two three four five six seven eight, nine ten."
    prepared = prepare_text(text, "en", words, max_tokens=4, long_tokens=3)
    assert all(words(sentence) <= 4 for sentence in prepared.sentences)
    assert prepared.restore(prepared.sentences) == text


def test_without_a_long_limit_only_the_models_limit_cuts() -> None:
    text = "A dog runs in the park, a man sits on a bench."
    assert prepare_text(text, "en", words, max_tokens=100).sentences == [text]
