"""Which segments DeepL's tag options send to the translator, and what comes back around them.

The translator here is a plain segment translator that records its input and answers with it
(the engine's part is covered end to end in tests/service/test_deepl_options_e2e.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from service.api.deepl.markup import markup_rules, translate_markup
from service.api.deepl.protocol import DeepLTranslateRequest
from service.documents.errors import UnsafeDocumentError
from service.documents.settings import DocumentSettings
from service.errors import InvalidRequestError


def segments_of(text: str, **options: Any) -> list[str]:
    """The segments sent for `text`; the echoed translation must give `text` back."""
    request = DeepLTranslateRequest(text=[text], target_lang="DE", **options)
    sent: list[str] = []

    def echo(batch: list[str]) -> list[str]:
        sent.extend(batch)
        return batch

    assert translate_markup(request.text, markup_rules(request), echo, DocumentSettings()) == [text]
    return sent


def test_html_blocks_split_and_inline_elements_stay_in_their_sentence() -> None:
    text = "<p>Press <b>Save</b> to keep <code>x</code>.</p><p>Done</p>"
    assert segments_of(text, tag_handling="html") == [
        'Press <g id="1">Save</g> to keep <x id="2"/>.',
        "Done",
    ]


def test_html_splitting_and_non_splitting_tags_change_the_defaults() -> None:
    assert segments_of("<p>One <b>two</b> three</p>", tag_handling="html", splitting_tags="b") == [
        "One",
        "three",
        "two",
    ]  # the runs of a block, then those of the blocks inside it
    text = "<div>four <div>five</div></div>"
    assert segments_of(text, tag_handling="html", non_splitting_tags="div") == [
        '<g id="1">four <g id="2">five</g></g>'
    ]


def test_xml_outline_detection_splits_between_elements_only() -> None:
    text = "<doc><title>A title</title><par>Press <key>Enter</key> now.</par></doc>"
    assert segments_of(text, tag_handling="xml") == [
        "A title",
        'Press <g id="1">Enter</g> now.',
    ]


def test_xml_without_outline_detection_splits_only_at_splitting_tags() -> None:
    text = "<doc><title>A title</title><par>Press <key>Enter</key> now.</par></doc>"
    options: dict[str, Any] = {"tag_handling": "xml", "outline_detection": False}
    assert segments_of(text, **options, splitting_tags="par") == [
        '<g id="1">A title</g>',
        'Press <g id="1">Enter</g> now.',
    ]
    assert segments_of(text, **options) == [
        '<g id="1"><g id="2">A title</g><g id="3">Press <g id="4">Enter</g> now.</g></g>'
    ]


def test_xml_non_splitting_tags_keep_a_sentence_across_elements() -> None:
    text = "<doc><s>A man</s><s>is sleeping.</s></doc>"
    assert segments_of(text, tag_handling="xml") == ["A man", "is sleeping."]
    assert segments_of(text, tag_handling="xml", non_splitting_tags="s") == [
        '<g id="1">A man</g><g id="2">is sleeping.</g>'
    ]


def test_ignore_tags_content_is_never_sent() -> None:
    text = "Visit <place>Red Lion</place> today."
    assert segments_of(text, tag_handling="xml", ignore_tags="place") == [
        'Visit <x id="1"/> today.'
    ]


def test_xml_has_no_void_elements_or_implied_ends() -> None:
    text = "<list><li>One <br>two</br></li><li>three</li></list>"
    assert segments_of(text, tag_handling="xml", non_splitting_tags="br") == [
        'One <g id="1">two</g>',
        "three",
    ]


@pytest.mark.parametrize("names", ["a b", "<b>", "1x"])
def test_a_tag_list_with_a_name_that_is_not_a_tag_name_is_refused(names: str) -> None:
    request = DeepLTranslateRequest(
        text=["x"], target_lang="DE", tag_handling="xml", ignore_tags=names
    )
    with pytest.raises(InvalidRequestError, match="'ignore_tags' contains a name"):
        markup_rules(request)


@pytest.mark.parametrize("tag_handling", ["xml", "html"])
def test_markup_nested_too_deep_is_refused_naming_the_markup_it_was(tag_handling: str) -> None:
    request = DeepLTranslateRequest(text=["x"], target_lang="DE", tag_handling=tag_handling)
    text = "<b>" * 40 + "A dog." + "</b>" * 40
    with pytest.raises(UnsafeDocumentError, match=f"The {tag_handling.upper()} is nested more"):
        translate_markup([text], markup_rules(request), list, DocumentSettings(xml_max_depth=32))
