"""DeepL's translation options, through the official `deepl` client against the real service.

Each option either changes the translation as DeepL documents it or is refused as DeepL refuses
it; docs/service.md has one row per option.
"""

from __future__ import annotations

import re

import deepl
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
