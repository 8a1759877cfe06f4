"""Glossary entries are parsed and validated as DeepL does, each refusal naming the entry."""

from __future__ import annotations

import pytest

from service.glossaries.entries import entries_tsv, parse_entries, validate_entries
from service.glossaries.errors import GlossaryTooLargeError, InvalidGlossaryError

LIMITS = {"max_entries": 100, "max_bytes": 10_000}


def parse(text: str, entries_format: str = "tsv") -> dict[str, str]:
    return parse_entries(text, entries_format, **LIMITS)


def test_tsv_entries_keep_their_order_and_skip_blank_lines() -> None:
    entries = parse("bike\tVelo\n\n  \ntrain station\tBahnhof\n")
    assert list(entries.items()) == [("bike", "Velo"), ("train station", "Bahnhof")]


def test_terms_are_stripped_of_surrounding_spaces_as_the_deepl_client_does() -> None:
    assert parse(" bike \t Velo ") == {"bike": "Velo"}


def test_csv_entries_may_quote_commas_and_carry_languages() -> None:
    entries = parse('"Smith, John",Schmidt\nbike,Velo,en,de\n', "csv")
    assert entries == {"Smith, John": "Schmidt", "bike": "Velo"}


def test_the_tsv_round_trip_is_what_get_entries_answers() -> None:
    entries = {"bike": "Velo", "New York": "New York"}
    assert parse(entries_tsv(entries)) == entries


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bike\tVelo\n\tBahnhof", "entry 2: the source term is empty"),
        ("bike\t", "entry 1: the target term is empty"),
        ("bike", "entry 1: expected a source and a target term, found 1 fields"),
        ("a\tb\tc", "entry 1: expected a source and a target term, found 3 fields"),
        ("bi\x07ke\tVelo", "entry 1: the source term contains a control character"),
        ("bike\tVe\u2028lo", "entry 1: the target term contains a control character"),
        ("bike\tVelo\ncar\tAuto\nbike\tRad", "entry 3 duplicates the source term of entry 1"),
        ("Bike\tVelo\nbIKE\tRad", "entry 2 duplicates the source term of entry 1"),
        ("\ue000\tx", "entry 1: the source term contains a private-use character"),
        ("x" * 1025 + "\ty", "entry 1: the source term is 1025 bytes; the limit is 1024"),
        ("\n\n", "the glossary has no entries"),
    ],
)
def test_a_bad_entry_is_refused_naming_it(text: str, message: str) -> None:
    with pytest.raises(InvalidGlossaryError, match=message):
        parse(text)


def test_a_term_of_exactly_1024_utf8_bytes_is_accepted() -> None:
    term = "ä" * 512  # 2 bytes each
    assert parse(f"{term}\tx") == {term: "x"}


def test_an_unknown_entries_format_is_refused() -> None:
    with pytest.raises(InvalidGlossaryError, match="entries_format must be tsv or csv"):
        parse("a\tb", "xml")


def test_more_entries_than_the_limit_are_refused() -> None:
    text = "\n".join(f"term{n}\tWort{n}" for n in range(101))
    with pytest.raises(GlossaryTooLargeError, match="more than 100 entries"):
        parse(text)


def test_more_bytes_than_the_limit_are_refused_before_parsing() -> None:
    with pytest.raises(GlossaryTooLargeError, match="10001 bytes; the limit is 10000"):
        parse("a\tb" + " " * 9998)


def test_inline_entries_follow_the_same_rules() -> None:
    assert validate_entries({"bike": "Velo"}, 10) == {"bike": "Velo"}
    with pytest.raises(InvalidGlossaryError, match="entry 2 duplicates"):
        validate_entries({"Bike": "Velo", "bike": "Rad"}, 10)
    with pytest.raises(GlossaryTooLargeError):
        validate_entries({"a": "b", "c": "d"}, 1)
