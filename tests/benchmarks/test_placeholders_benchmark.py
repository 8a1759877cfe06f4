"""The placeholder benchmark's synthetic sentences: real markup the service masks, words intact."""

from __future__ import annotations

import random
import re

from benchmarks.placeholders import synthetic, tags_in_order, without_placeholders
from service.text import prepare_text

CAPTIONS = [
    "A man in an orange hat starring at something.",
    "A Boston Terrier is running on lush green grass in front of a white fence.",
    "Two young girls play in the sand.",
]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_every_synthetic_sentence_keeps_its_words_and_its_tags_in_order() -> None:
    rng = random.Random(7)
    for caption in CAPTIONS * 30:
        marked = synthetic(caption, rng)
        kept = words(without_placeholders(marked))
        assert marked != caption and tags_in_order(marked)
        assert set(kept) <= set(words(caption))
        assert len(kept) >= len(words(caption)) - 3  # {count} takes a word's place


def test_the_service_shows_the_model_each_placeholder_as_a_sentinel_and_restores_it() -> None:
    rng = random.Random(7)
    for caption in CAPTIONS * 10:
        marked = synthetic(caption, rng)
        prepared = prepare_text(marked, "en", lambda text: len(text.split()), max_tokens=100)
        assert len(prepared.sentences) == 1 and "[1]" in prepared.sentences[0]
        assert prepared.restore(prepared.sentences) == marked


def test_a_closing_tag_before_its_opening_tag_is_out_of_order() -> None:
    assert tags_in_order('<b>Ein</b> Hund <a href="x">läuft</a>.')
    assert not tags_in_order("</b>Ein<b> Hund.")
    assert not tags_in_order("<b>Ein Hund.")
