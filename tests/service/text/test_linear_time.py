"""Text preparation takes time proportional to the text, whatever the text.

Python's `re` holds the GIL while it matches, so one quadratic pattern on a 50k-character request
freezes every thread and the event loop with it: linear time is the only defence. Times are CPU
seconds of this process (best of a few runs) with a floor, so a busy machine does not fail them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from service.text import prepare_text
from service.text._placeholders import mask
from service.text._segment import split_sentences

FLOOR_S = 0.02
"""Timings under this are noise: growth is judged against at least this much."""

PATHOLOGICAL: dict[str, tuple[str, str]] = {
    # name: (prefix, unit repeated after it)
    "unclosed html comments": ("", "<!--"),
    "comment closers": ("", "-->"),
    "nested comment openings": ("", "<!-- a "),
    "braces": ("", "{"),
    "double braces": ("", "{{"),
    "unclosed brace words": ("", "{a"),
    "percent signs": ("", "%"),
    "printf flags without a conversion": ("%", "0"),
    "printf width without a conversion": ("%", "1"),
    "printf name without a closing parenthesis": ("%(", "a"),
    "unclosed tag openings": ("", "<a "),
    "one unclosed tag": ("<a ", "x"),
    "angle brackets": ("", "<"),
    "urls": ("", "http://"),
    "url of punctuation": ("http://", "."),
    "www": ("", "www."),
    "at signs after letters": ("", "a@"),
    "address without a dot": ("x@", "a-"),
    "letters then one at sign": ("", "a"),
    "dotted local parts": ("", "a.b@"),
    "citation openings": ("", "[1"),
    "bracket then spaces": ("[", " "),
    "character references": ("", "&#"),
    "ampersands": ("", "&"),
    "one letter": ("", "a"),
    "one ideograph": ("", "漢"),
    "words without punctuation": ("", "a "),
    "commas": ("", "a,"),
    "full stops": ("", "."),
    "abbreviations": ("", "Mr. "),
    "exclamation dashes": ("", "!-"),
    "guillemets": ("", "«"),
    "apostrophes": ("", "'"),
    "quotes": ("", '"'),
    "newlines": ("", "\n"),
    "private use": ("", "\ue000"),
}


def pathological(name: str, length: int) -> str:
    prefix, unit = PATHOLOGICAL[name]
    return prefix + unit * ((length - len(prefix)) // len(unit))


def tokens(text: str) -> int:
    """About one token per four bytes, at a cost proportional to the text, as a real tokenizer."""
    return len(text.encode()) // 4 + 1


def prepare(text: str) -> object:
    return prepare_text(text, "en", tokens, max_tokens=64)


def cpu_seconds(work: Callable[[str], object], text: str, runs: int = 2) -> float:
    """Best CPU time of this thread over `runs` calls, garbage collector paused (its cost grows
    with the heap); the process's time would also count servers other tests left running."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            started = time.thread_time()
            work(text)
            best = min(best, time.thread_time() - started)
    finally:
        gc.enable()
    return best


def assert_linear(work: Callable[[str], object], name: str) -> None:
    t10, t20, t40 = (cpu_seconds(work, pathological(name, n)) for n in (10_000, 20_000, 40_000))
    base = max(t10, FLOOR_S)
    assert t20 < 3 * base and t40 < 6 * base, f"{name}: {t10:.4f} s, {t20:.4f} s, {t40:.4f} s"


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_prepare_text_time_grows_linearly_on_pathological_input(name: str) -> None:
    assert_linear(prepare, name)


@pytest.mark.parametrize(
    "name", ["unclosed html comments", "printf flags without a conversion", "one unclosed tag"]
)
def test_masking_time_grows_linearly(name: str) -> None:
    assert_linear(mask, name)


@pytest.mark.parametrize("name", ["guillemets", "exclamation dashes", "apostrophes"])
def test_sentence_splitting_time_grows_linearly(name: str) -> None:
    assert_linear(lambda text: split_sentences(text, "en"), name)


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_fifty_thousand_pathological_characters_prepare_well_under_a_second(name: str) -> None:
    text = pathological(name, 50_000)
    assert cpu_seconds(prepare, text, runs=1) < 0.5
    prepared = prepare_text(text, "en", tokens, max_tokens=64)
    assert prepared.restore(prepared.sentences) == text  # and nothing was lost on the way


def test_html_comment_runs_to_the_first_closing_as_in_a_browser() -> None:
    prepared = prepare_text("Hi <!-- a <!-- b --> there.", "en", tokens, max_tokens=64)
    assert prepared.sentences == ["Hi [1] there."]


def test_an_unclosed_html_comment_is_text() -> None:
    prepared = prepare_text("Hi <!-- there.", "en", tokens, max_tokens=64)
    assert "".join(prepared.sentences) == "Hi <!-- there."  # no sentinel: nothing was masked


def test_a_sentence_longer_than_the_splitter_window_is_cut_between_words_losing_nothing() -> None:
    sentence = " ".join(f"word{i}" for i in range(1_000)) + "."  # 6,890 characters
    text = f"First one. {sentence} Last one."
    prepared = prepare_text(text, "en", tokens, max_tokens=100_000)
    assert prepared.sentences[0] == "First one." and prepared.sentences[-1] == "Last one."
    assert " ".join(prepared.sentences[1:-1]) == sentence
    assert prepared.restore(prepared.sentences) == text


def test_splitter_windows_do_not_change_ordinary_sentences() -> None:
    sentences = [f"Sentence number {i} is here, Mr. Smith said." for i in range(400)]
    text = " ".join(sentences)
    assert [s.strip() for s in split_sentences(text, "en")] == sentences
