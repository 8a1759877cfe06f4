"""Source terms are found case-insensitively, as whole words, multi-word, longest first."""

from __future__ import annotations

from service.glossaries import TermMatcher


def found(entries: dict[str, str], text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.target) for m in TermMatcher(entries).find(text)]


def test_a_term_is_found_whatever_its_case() -> None:
    assert found({"Bike": "Velo"}, "A BIKE and a bike.") == [("BIKE", "Velo"), ("bike", "Velo")]


def test_only_whole_words_match() -> None:
    assert found({"cat": "Katze"}, "cats concatenate a cat_x and cat.") == [("cat", "Katze")]


def test_a_multi_word_term_matches_across_any_run_of_spaces_but_not_a_line_break() -> None:
    entries = {"train station": "Bahnhof"}
    assert found(entries, "the train   station") == [("train   station", "Bahnhof")]
    assert found(entries, "the train\nstation") == []


def test_the_longest_term_wins_where_terms_overlap() -> None:
    entries = {"New York": "NY", "New York City": "NYC", "city": "Stadt"}
    assert found(entries, "new york city, New York, a city") == [
        ("new york city", "NYC"),
        ("New York", "NY"),
        ("city", "Stadt"),
    ]


def test_a_longer_term_that_does_not_complete_falls_back_to_the_shorter_one() -> None:
    assert found({"New York": "NY", "New York City Hall": "Rathaus"}, "New York City") == [
        ("New York", "NY")
    ]


def test_terms_with_punctuation_match_exactly_those_characters() -> None:
    entries = {"e-mail": "E-Mail", "C++": "C++"}
    assert found(entries, "Send an e-mail about C++, not an e - mail.") == [
        ("e-mail", "E-Mail"),
        ("C++", "C++"),
    ]


def test_a_term_spelled_with_a_space_needs_the_space() -> None:
    assert found({"ice cream": "Eis"}, "icecream, ice cream") == [("ice cream", "Eis")]


def test_text_without_a_term_has_no_match() -> None:
    assert found({"bike": "Velo"}, "A dog runs.") == []
