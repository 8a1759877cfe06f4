"""A translated sentence keeps its source's edge punctuation and first-letter case."""

from __future__ import annotations

import doctest

import pytest

import service.text._formatting
from service.text import keep_formatting


@pytest.mark.parametrize(
    ("source", "translation", "kept"),
    [
        ("a dog in the park", "Ein Hund im Park.", "ein Hund im Park"),
        ("A dog in the park!", "Ein Hund im Park.", "Ein Hund im Park!"),
        ("¿where is it", "Wo ist es?", "¿wo ist es"),
        ("- one item;", "Ein Artikel.", "- ein Artikel;"),
        ("See [1]", "Siehe [1].", "Siehe [1]"),
        ("A dog...", "Ein Hund.", "Ein Hund..."),
    ],
)
def test_edge_punctuation_and_first_letter_case_come_from_the_source(
    source: str, translation: str, kept: str
) -> None:
    assert keep_formatting(source, translation) == kept


def test_a_sentence_of_punctuation_only_is_left_as_translated() -> None:
    assert keep_formatting("...", "…") == "…"
    assert keep_formatting("a dog", "!") == "!"


def test_the_examples_in_the_docstring_hold() -> None:
    assert doctest.testmod(service.text._formatting).failed == 0
