"""Where sentences are cut (DeepL's ``split_sentences``): lines, punctuation only, or nowhere."""

from __future__ import annotations

from service.text import prepare_text

TEXT = "A dog runs.\nIt is fast. A cat\nsleeps here.\n\nThe end"


def words(text: str) -> int:
    return len(text.split())


def test_by_default_every_line_break_ends_a_sentence_and_comes_back() -> None:
    prepared = prepare_text(TEXT, "en", words, 50)
    assert prepared.sentences == ["A dog runs.", "It is fast.", "A cat", "sleeps here.", "The end"]
    assert prepared.restore(prepared.sentences) == TEXT


def test_punctuation_mode_keeps_a_sentence_across_lines_as_one_line() -> None:
    prepared = prepare_text(TEXT, "en", words, 50, split="punctuation")
    assert prepared.sentences == ["A dog runs.", "It is fast.", "A cat sleeps here.", "The end"]
    # Breaks between sentences stay; the one inside a sentence became a space.
    assert prepared.restore(prepared.sentences) == (
        "A dog runs.\nIt is fast. A cat sleeps here.\n\nThe end"
    )


def test_no_splitting_sends_the_whole_text_as_one_sentence() -> None:
    prepared = prepare_text("  " + TEXT + "\n", "en", words, 50, split="none")
    assert prepared.sentences == ["A dog runs. It is fast. A cat sleeps here. The end"]
    assert prepared.restore(["X"]) == "  X\n"


def test_no_splitting_still_cuts_a_text_too_long_for_the_model() -> None:
    text = "One two three, four five six. Seven eight nine."
    prepared = prepare_text(text, "en", words, max_tokens=6, split="none")
    assert all(words(sentence) <= 6 for sentence in prepared.sentences)
    assert " ".join(prepared.sentences) == text
