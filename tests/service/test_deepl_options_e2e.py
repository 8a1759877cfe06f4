"""DeepL's translation options, through the official `deepl` client against the real service.

Each option either changes the translation as DeepL documents it or is refused as DeepL refuses
it; docs/service.md has one row per option.
"""

from __future__ import annotations

import re

import deepl
import httpx
import pytest

from tests.service.server import RunningService


def client(service: RunningService) -> deepl.Translator:
    return deepl.Translator("any-key:fx", server_url=service.url)


def translate(service: RunningService, text: str, **options: object) -> str:
    result = client(service).translate_text(
        text,
        source_lang="EN",
        target_lang="DE",
        **options,  # type: ignore[arg-type]
    )
    assert isinstance(result, deepl.TextResult)
    return result.text


# formality: no served language has formality, so the client is answered as DeepL answers
# for such a target language.


@pytest.mark.parametrize(
    "formality", [deepl.Formality.DEFAULT, deepl.Formality.PREFER_MORE, deepl.Formality.PREFER_LESS]
)
def test_formality_that_falls_back_to_the_default_is_accepted_and_changes_nothing(
    service: RunningService, formality: deepl.Formality
) -> None:
    plain = translate(service, "A dog is running in the park.")
    assert translate(service, "A dog is running in the park.", formality=formality) == plain


@pytest.mark.parametrize("formality", [deepl.Formality.MORE, deepl.Formality.LESS])
def test_plain_more_or_less_formality_is_refused_with_deepls_message(
    service: RunningService, formality: deepl.Formality
) -> None:
    with pytest.raises(
        deepl.DeepLException,
        match=re.escape(
            "Bad request, message: 'formality' is not supported for given 'target_lang'."
        ),
    ) as error:
        translate(service, "A dog.", formality=formality)
    assert error.value.http_status_code == 400


def test_an_unknown_formality_is_refused(service: RunningService) -> None:
    with pytest.raises(deepl.DeepLException, match="Value for 'formality' not supported"):
        translate(service, "A dog.", formality="very")


def test_the_target_languages_say_they_have_no_formality(service: RunningService) -> None:
    targets = client(service).get_target_languages()
    assert targets and not any(language.supports_formality for language in targets)


# Options of DeepL's newer clients for features this server does not have: refused with a 400
# naming the option, never ignored (the answer would not be what was asked for).


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"style_rule": "a-style-rule-id"}, "style_id"),
        ({"translation_memory": "a-memory-id"}, "translation_memory_id"),
        ({"custom_instructions": ["Use formal register."]}, "custom_instructions"),
    ],
    ids=["style rule", "translation memory", "custom instructions"],
)
def test_options_for_features_this_server_lacks_are_refused_not_ignored(
    service: RunningService, options: dict[str, object], name: str
) -> None:
    with pytest.raises(
        deepl.DeepLException, match=re.escape(f"'{name}' is not supported: this server has no")
    ) as error:
        translate(service, "A dog.", **options)
    assert error.value.http_status_code == 400


# split_sentences


def test_by_default_a_line_break_splits_and_comes_back(service: RunningService) -> None:
    text = translate(service, "A dog is running\nin the park.")
    assert text.count("\n") == 1


@pytest.mark.parametrize("split", [deepl.SplitSentences.NO_NEWLINES, deepl.SplitSentences.OFF])
def test_a_sentence_across_lines_is_translated_as_one_line(
    service: RunningService, split: deepl.SplitSentences
) -> None:
    across = translate(service, "A dog is running\nin the park.", split_sentences=split)
    assert across == translate(service, "A dog is running in the park.")


def test_nonewlines_keeps_the_line_breaks_between_sentences(service: RunningService) -> None:
    text = "A dog is running.\n\nA woman is sitting\non a bench."
    out = translate(service, text, split_sentences=deepl.SplitSentences.NO_NEWLINES)
    first, second = out.split("\n\n")
    assert first == translate(service, "A dog is running.")
    assert second == translate(service, "A woman is sitting on a bench.")


def test_split_sentences_off_translates_the_text_as_one_sentence(
    service: RunningService,
) -> None:
    out = translate(
        service, "A dog is running.\n\nA man is sleeping.", split_sentences=deepl.SplitSentences.OFF
    )
    assert "\n" not in out


def test_an_unknown_split_sentences_value_is_refused(service: RunningService) -> None:
    with pytest.raises(deepl.DeepLException, match="split_sentences") as error:
        translate(service, "A dog.", split_sentences="2")
    assert error.value.http_status_code == 400


# tag_handling (xml, html) with ignore_tags, splitting_tags, non_splitting_tags, outline_detection


def tags(markup: str) -> list[str]:
    return re.findall(r"<[^>]*>", markup)


def test_html_comes_back_with_its_tags_and_inline_tags_inside_their_sentence(
    service: RunningService,
) -> None:
    source = "<p>A dog is running in the <b>park</b>.</p><p>A woman is sitting on a bench.</p>"
    out = translate(service, source, tag_handling="html")
    assert tags(out) == tags(source)
    first, second = re.findall(r"<p>(.*?)</p>", out)
    assert "<b>" in first and "</b>" in first
    assert second == translate(service, "A woman is sitting on a bench.")


def test_html_ignore_tags_content_stays_untranslated(service: RunningService) -> None:
    source = "<p>A dog is running. <span class='x'>A man</span> is sleeping.</p>"
    assert "<span class='x'>A man</span>" in translate(
        service, source, tag_handling="html", ignore_tags=["span"]
    )
    assert "A man" not in translate(service, source, tag_handling="html")


def test_html_joins_a_sentence_across_lines_by_default(service: RunningService) -> None:
    out = translate(service, "<p>A dog is running\nin the park.</p>", tag_handling="html")
    assert out == "<p>" + translate(service, "A dog is running in the park.") + "</p>"


def test_xml_outline_detection_splits_between_elements_and_keeps_inline_ones(
    service: RunningService,
) -> None:
    source = "<doc><t>A dog is running.</t><par>A woman is sitting on a <k>bench</k>.</par></doc>"
    out = translate(service, source, tag_handling="xml")
    assert tags(out) == tags(source)
    assert re.search(r"<t>(.*?)</t>", out)[1] == translate(service, "A dog is running.")  # type: ignore[index]


def test_xml_splitting_tags_end_a_sentence(service: RunningService) -> None:
    out = translate(
        service,
        "A man is sleeping<x/>a woman is sitting",
        tag_handling="xml",
        outline_detection=False,
        splitting_tags="x",
    )
    first = translate(service, "A man is sleeping")
    second = translate(service, "a woman is sitting")
    assert out == f"{first}<x/>{second}"


def test_xml_ignore_tags_content_stays_untranslated(service: RunningService) -> None:
    source = "A dog is running near <name>The Red Lion</name>."
    out = translate(service, source, tag_handling="xml", ignore_tags="name")
    assert "<name>The Red Lion</name>" in out


def test_markup_nested_deeper_than_the_html_reader_allows_is_refused(
    service: RunningService,
) -> None:
    with pytest.raises(deepl.DeepLException, match="nested more than 256 levels deep") as error:
        translate(service, "<b>" * 300 + "A dog.", tag_handling="html")
    assert error.value.http_status_code == 400


@pytest.mark.parametrize(
    "options",
    [
        {"tag_handling": "json"},
        {"tag_handling": "xml", "ignore_tags": "not a tag"},
    ],
)
def test_an_unknown_tag_handling_or_a_bad_tag_name_is_refused(
    service: RunningService, options: dict[str, str]
) -> None:
    with pytest.raises(deepl.DeepLException, match="Bad request") as error:
        translate(service, "A dog.", **options)
    assert error.value.http_status_code == 400


# preserve_formatting


def test_preserve_formatting_keeps_the_sources_case_and_edge_punctuation(
    service: RunningService,
) -> None:
    assert translate(service, "a dog is running in the park").endswith(".")
    kept = translate(service, "a dog is running in the park", preserve_formatting=True)
    assert kept[0].islower() and not kept.endswith(".")
    assert translate(service, "A dog is running in the park!", preserve_formatting=True)[-1] == "!"


def test_preserve_formatting_is_off_by_default(service: RunningService) -> None:
    source = "a dog is running in the park"
    assert translate(service, source, preserve_formatting=False) == translate(service, source)


def test_preserve_formatting_applies_to_tagged_text(service: RunningService) -> None:
    out = translate(
        service,
        "<p>a dog is running in the park</p>",
        tag_handling="html",
        preserve_formatting=True,
    )
    assert (
        out
        == "<p>"
        + translate(service, "a dog is running in the park", preserve_formatting=True)
        + "</p>"
    )


def test_the_options_are_read_from_a_form_body_as_well(service: RunningService) -> None:
    fields = {
        "text": "a man is sleeping<x/>a woman is sitting",
        "target_lang": "DE",
        "source_lang": "EN",
        "tag_handling": "xml",
        "outline_detection": "0",
        "splitting_tags": "x",
        "preserve_formatting": "1",
        "formality": "prefer_less",
    }
    answer = httpx.post(f"{service.url}/v2/translate", data=fields)
    assert answer.status_code == 200, answer.text
    first = translate(service, "a man is sleeping", preserve_formatting=True)
    second = translate(service, "a woman is sitting", preserve_formatting=True)
    assert answer.json()["translations"][0]["text"] == f"{first}<x/>{second}"
