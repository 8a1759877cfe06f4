"""The DeepL options shared by /v2/translate and /v2/document: one glossary however it is named,
and options this server cannot honour refused by name."""

from __future__ import annotations

import pytest

from service.api.deepl.options import refuse_unsupported, requested_glossary
from service.errors import InvalidRequestError


@pytest.mark.parametrize(
    ("fields", "glossary"),
    [
        ({}, None),
        ({"glossary_id": "g1"}, "g1"),
        ({"glossary_ids": ["g1"]}, "g1"),
        ({"glossary_ids": "g1"}, "g1"),  # a form sends the list comma-separated
        ({"glossary_ids": " g1 , "}, "g1"),
        ({"glossary_id": "g1", "glossary_ids": ["g1"]}, "g1"),
        ({"glossary_id": "", "glossary_ids": []}, None),
    ],
)
def test_one_glossary_is_found_however_the_request_names_it(
    fields: dict[str, object], glossary: str | None
) -> None:
    assert requested_glossary(fields) == glossary


@pytest.mark.parametrize(
    "fields",
    [
        {"glossary_ids": ["g1", "g2"]},
        {"glossary_ids": "g1,g2"},
        {"glossary_id": "g1", "glossary_ids": ["g2"]},
    ],
)
def test_more_than_one_glossary_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError, match="2 glossaries were given"):
        requested_glossary(fields)


def test_glossary_ids_that_are_not_ids_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="must be a list of glossary ids"):
        requested_glossary({"glossary_ids": [1, 2]})


def test_an_empty_unsupported_option_is_no_request_for_it() -> None:
    refuse_unsupported({"style_id": "", "custom_instructions": [], "text": ["A dog."]})


def test_an_unsupported_option_is_refused_by_name() -> None:
    with pytest.raises(
        InvalidRequestError, match="'translation_memory_threshold' is not supported"
    ):
        refuse_unsupported({"translation_memory_threshold": 80})
