"""A translated sentence is checked against the bundle's normal range (service.routing.checks)."""

from __future__ import annotations

import pytest

from bundle import NormalRange
from service.engine.translator import TranslatedSentence
from service.routing.checks import check_sentence, longest_repeat

NORMAL = NormalRange(
    source_tokens_p50=14,
    source_tokens_p99=36,
    source_tokens_max=91,
    ratio_p01=0.5,
    ratio_p99=1.22,
    score_p05=-0.62,
    score_p50=-0.27,
    pieces_per_word_p99=1.8,
    measured_on="the embedded bundle's figures",
)


def out(
    text: str, tokens: int = 8, score: float = -0.1, hit_limit: bool = False
) -> TranslatedSentence:
    return TranslatedSentence(text, tokens, score=score, hit_limit=hit_limit)


@pytest.mark.parametrize(
    "runaway",
    ["GOOOOOOOO!", "Ein Teemmmmmmm.", "Die Bahnsssssss.", "oder oder oder oder oder oder"],
)
def test_runaway_repetition_inside_the_output_is_flagged(runaway: str) -> None:
    check = check_sentence("The train is late.", 8, out(runaway), NORMAL)
    assert "repetition" in check.reasons


@pytest.mark.parametrize(
    "german", ["Die Schifffahrt beginnt.", "Zwei Hunde spielen im Schnee.", "Ein Mann, ein Mann."]
)
def test_ordinary_doubled_letters_are_not_repetition(german: str) -> None:
    assert check_sentence("A sentence.", 8, out(german), NORMAL).reasons == ()


def test_repetition_the_source_already_has_is_not_the_models_fault() -> None:
    check = check_sentence("GOOOOOOOAL!", 8, out("TOOOOOOOR!"), NORMAL)
    assert "repetition" not in check.reasons


def test_a_score_below_the_dev_sets_fifth_percentile_is_low() -> None:
    check = check_sentence("Hello", 3, out("Football-Spieler.", 4, score=-1.27), NORMAL)
    assert check.reasons == ("low_score",)
    assert check.low
    assert 0.27 < check.confidence < 0.29


def test_an_output_far_shorter_than_the_dev_range_is_a_length_ratio_flag() -> None:
    # The run-on sentence: 139 input tokens, 31 output tokens.
    check = check_sentence("A long run-on sentence.", 139, out("Kurz.", 31), NORMAL)
    assert "length_ratio" in check.reasons


def test_decoding_that_stopped_at_the_length_bound_is_truncated() -> None:
    assert "truncated" in check_sentence("x", 8, out("y", hit_limit=True), NORMAL).reasons


def test_a_source_whose_words_fall_apart_into_pieces_is_unfamiliar() -> None:
    """``Click Save to keep your changes.`` in the embedded student's vocabulary: 2.0 a word."""
    pieces = ["▁C", "l", "ick", "▁S", "ave", "▁to", "▁keep", "▁you", "r", "▁chang", "es", "."]
    check = check_sentence(
        "Click Save to keep your changes.", 13, out("Kunden."), NORMAL, None, pieces
    )
    assert check.reasons == ("unfamiliar_words",)


@pytest.mark.parametrize(
    "pieces",
    [
        ["▁A", "▁dog", "▁is", "▁running", "▁in", "▁the", "▁park", "."],  # a caption: 1.1 a word
        ["▁Hel", "l", "o", "!"],  # one word: too few to judge
    ],
)
def test_familiar_or_too_short_sources_are_not_unfamiliar(pieces: list[str]) -> None:
    assert check_sentence("x", 9, out("Ein Hund."), NORMAL, None, pieces).reasons == ()


def test_a_bundle_without_pieces_per_word_gets_no_unfamiliar_check() -> None:
    older = NORMAL.model_copy(update={"pieces_per_word_p99": None})
    pieces = ["▁C", "l", "ick", "▁S", "ave", "▁to", "▁keep", "▁you", "r", "▁chang", "es", "."]
    assert check_sentence("x", 13, out("Kunden."), older, None, pieces).reasons == ()


def test_without_a_normal_range_only_repetition_and_truncation_are_checked() -> None:
    check = check_sentence("Hello", 3, out("Hallo.", score=-3.0), None)
    assert check.reasons == ()


def test_longest_repeat_counts_runs_of_short_units() -> None:
    assert longest_repeat("aaaa") == 4
    assert longest_repeat("abababab") == 4
    assert longest_repeat("Schnee") == 2
    assert longest_repeat("") == 1


def test_longest_repeat_is_linear() -> None:
    import time

    started = time.process_time()
    longest_repeat("ab" * 50_000 + "xyz" * 30_000)
    assert time.process_time() - started < 0.5
