"""A limit refuses, it never truncates (issue 11, item 6): under a nesting limit every word is
translated and every byte kept; over it the document is refused with a 4xx that says so."""

from __future__ import annotations

import time

import pytest

from service.documents.errors import UnsafeDocumentError
from service.documents.formats.html import HtmlFormat
from service.documents.formats.markdown import MAX_NESTING, MarkdownFormat
from service.documents.safety import Guard
from service.documents.segments import Unit, translate_units
from tests.service.documents.conftest import wrap


def _quotes(depth: int) -> bytes:
    return ("> " * depth + "Deep quote.\n\nAfter the quote.\n").encode()


def _lists(depth: int) -> bytes:
    items = "".join("  " * i + f"- Item {i}\n" for i in range(depth))
    return (items + "\nAfter the list.\n").encode()


def test_markdown_nested_up_to_the_limit_is_translated_completely(guard: Guard) -> None:
    out = MarkdownFormat().translate(_quotes(MAX_NESTING), wrap, guard).decode()
    assert out == "> " * MAX_NESTING + "«Deep quote.»\n\n«After the quote.»\n"
    lists = MarkdownFormat().translate(_lists(MAX_NESTING // 2), wrap, guard).decode()
    assert lists.count("«") == MAX_NESTING // 2 + 1


@pytest.mark.parametrize(
    "data",
    [_quotes(MAX_NESTING + 1), _quotes(MAX_NESTING + 8), _quotes(5000), _lists(MAX_NESTING)],
    ids=["quote-one-over", "quote-cut-by-parser", "quote-5000", "list-over"],
)
def test_markdown_nested_beyond_the_limit_is_refused_not_left_untranslated(
    data: bytes, guard: Guard
) -> None:
    with pytest.raises(UnsafeDocumentError, match="nested more than 32 levels"):
        MarkdownFormat().translate(data, wrap, guard)


def test_a_unit_of_many_pieces_is_built_in_linear_time() -> None:
    started = time.thread_time()  # this thread's CPU: what other processes take is not counted
    unit = Unit(["<"] * 200_000)
    assert unit.text == "<" * 200_000
    assert time.thread_time() - started < 1.0  # joined once; repeated += took ~10 s


def test_many_units_are_sorted_for_translation_in_linear_time() -> None:
    units = [Unit([f"Sentence {i}."]) for i in range(40_000)]
    started = time.thread_time()
    translate_units(units, wrap, batch_size=4096)
    assert time.thread_time() - started < 3.0  # a membership test per unit took ~20 s
    assert units[-1].output_text() == "«Sentence 39999.»"


def _nested_html(depth: int) -> bytes:
    """The reproduction: text nested ``depth`` divs deep inside body, a paragraph after it."""
    body = "<div>" * depth + "Deep text." + "</div>" * depth
    return f"<html><body>{body}<p>After the nesting.</p></body></html>".encode()


def test_html_nested_up_to_the_limit_loses_nothing(guard: Guard) -> None:
    depth = guard.settings.xml_max_depth - 2  # <html> and <body> count too
    data = _nested_html(depth)
    out = HtmlFormat().translate(data, wrap, guard)
    expected = data.replace(b"Deep text.", "«Deep text.»".encode())
    assert out == expected.replace(b"After the nesting.", "«After the nesting.»".encode())


@pytest.mark.parametrize("extra", [1, 44, 3000])
def test_html_nested_beyond_the_limit_is_refused_not_cut(extra: int, guard: Guard) -> None:
    data = _nested_html(guard.settings.xml_max_depth - 2 + extra)
    with pytest.raises(UnsafeDocumentError, match="nested more than 256 levels"):
        HtmlFormat().translate(data, wrap, guard)
