"""Whitespace and layout: what the model never sees comes back byte for byte."""

from __future__ import annotations

import random

import pytest

from service.text import prepare_text

FRAGMENTS = [
    "Hello", "world", "Dr.", "Smith", "e.g.", "U.S.A.", "Straße", "Ünïcödé", "日本語です", "。",
    "😀", "42", "3.14", ".", "!", "?", "...", ",", ";", ":", "—", "(", ")", '"', "'",
    " ", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r\n\r\n", "\r", "   \n", "\t\n", " \r\n ",
    "\u00a0", "\u3000", "\u2028", "\u2029", "\u0085", "\v", "\f", "\ufeff", "\u200b",
    "{name}", "{{ var }}", "{{var}}", "{0}", "%s", "%d", "%1$s", "%(count)d", "%%", "100%",
    "<b>", "</b>", "<br/>", '<a href="https://x.org/?a=1&b=2">', "</a>", "<!-- note -->",
    "&amp;", "&#39;", "https://example.com/a/b.html", "www.example.org", "me@example.org",
    "[2]", "[ 7 ]", "\ue000", "{", "}", "[", "]", "<", ">", "%", "@",
]  # fmt: skip


def words(text: str) -> int:
    """A deterministic stand-in for a tokenizer: whitespace-separated words."""
    return len(text.split())


def random_texts(count: int, seed: int = 1234) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(FRAGMENTS, k=rng.randint(0, 40))) for _ in range(count)]


def test_identity_translation_gives_back_the_input_byte_for_byte() -> None:
    for text in random_texts(400):
        prepared = prepare_text(text, "en", words, max_tokens=6)
        assert prepared.restore(prepared.sentences) == text, repr(text)


def test_model_inputs_have_no_surrounding_whitespace_and_no_line_breaks() -> None:
    for text in random_texts(200, seed=7):
        for sentence in prepare_text(text, "en", words, max_tokens=6).sentences:
            assert sentence == sentence.strip() and sentence
            assert sentence.splitlines() == [sentence], repr(sentence)


def test_translations_land_where_their_sentences_were() -> None:
    for text in random_texts(200, seed=99):
        prepared = prepare_text(text, "en", words, max_tokens=6)
        restored = prepared.restore([f"«{s}»" for s in prepared.sentences])
        assert restored.replace("«", "").replace("»", "") == text, repr(text)
        assert restored.count("«") == len(prepared.sentences)


def test_blank_lines_and_indentation_survive_translation() -> None:
    text = "\ufeff  Title\r\n\r\n\tFirst line.  Second one!  \n   \n\n    Indented, last.\t\n"
    prepared = prepare_text(text, "en", words, max_tokens=50)
    assert prepared.sentences == ["Title", "First line.", "Second one!", "Indented, last."]
    assert prepared.restore([s.upper() for s in prepared.sentences]) == (
        "\ufeff  TITLE\r\n\r\n\tFIRST LINE.  SECOND ONE!  \n   \n\n    INDENTED, LAST.\t\n"
    )


def test_every_line_break_is_a_sentence_boundary() -> None:
    prepared = prepare_text("A line without a stop\nand its wrapped end.", "en", words, 50)
    assert prepared.sentences == ["A line without a stop", "and its wrapped end."]


def test_whitespace_around_a_translation_is_not_doubled() -> None:
    prepared = prepare_text("One.  Two.", "en", words, 50)
    assert prepared.restore([" Eins. ", "Zwei.\n"]) == "Eins.  Zwei."


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\n\r\n", "42", "3.14 — 2,718!", "😀 ✓", "{name}", "<br/>\n<br/>",
     "https://example.com/x. me@example.org", "%1$s: %d%%", "[3]"],
)  # fmt: skip
def test_segments_with_nothing_to_translate_are_not_sent_to_the_model(text: str) -> None:
    prepared = prepare_text(text, "en", words, max_tokens=50)
    assert prepared.sentences == []
    assert prepared.restore([]) == text


def test_a_wrong_number_of_translations_is_refused() -> None:
    prepared = prepare_text("One. Two.", "en", words, 50)
    with pytest.raises(ValueError, match="1 translations for 2 sentences"):
        prepared.restore(["Eins."])
