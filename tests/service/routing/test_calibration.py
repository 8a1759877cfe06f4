"""The cascade's premise, on the student the service ships: it is unsure of text far from its
domain and sure of a caption, by a margin no CPU's float kernels can cross; and the words of
such text fall apart in its vocabulary, which involves no floating point at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundle import open_verified, pieces_per_word, read_manifest
from service.engine.translator import BundleTranslator
from service.routing.checks import check_sentence, score_threshold
from service.settings import ServiceSettings
from tests.service.routing.conftest import CAPTION, ODD

MARGIN = 0.03
"""Mean log-probability; int8 kernels of different CPUs move a score by about 0.001."""


@pytest.fixture(scope="module")
def scored(student_dir: Path) -> dict[str, tuple[float, tuple[str, ...]]]:
    bundle = student_dir / "en-de"
    manifest = read_manifest(bundle)
    translator = BundleTranslator(bundle, open_verified(bundle), ServiceSettings())
    sentences = [CAPTION, *ODD]
    outs = translator.translate(sentences)
    threshold = score_threshold(manifest)
    assert threshold is not None
    checks = (
        check_sentence(s, len(translator.tokenize(s)), out, manifest.normal_range, threshold)
        for s, out in zip(sentences, outs, strict=True)
    )
    return {
        s: (out.score - threshold, check.reasons)
        for s, out, check in zip(sentences, outs, checks, strict=True)
    }


def test_the_student_flags_every_odd_sentence_for_its_score(
    scored: dict[str, tuple[float, tuple[str, ...]]],
) -> None:
    for sentence in ODD:
        below, _ = scored[sentence]
        assert below < -MARGIN, sentence


def test_the_student_is_sure_of_a_caption(
    scored: dict[str, tuple[float, tuple[str, ...]]],
) -> None:
    above, reasons = scored[CAPTION]
    assert above > MARGIN
    assert reasons == ()


def test_odd_sentences_and_a_ui_string_are_unfamiliar_words_and_a_caption_is_not(
    student_dir: Path,
) -> None:
    bundle = student_dir / "en-de"
    normal = read_manifest(bundle).normal_range
    assert normal is not None and normal.pieces_per_word_p99 is not None
    translator = BundleTranslator(bundle, open_verified(bundle), ServiceSettings())

    def split(sentence: str) -> float:
        return pieces_per_word(translator.source_pieces(sentence))

    # The README's example: the student is sure of its nonsense (-0.37), its words are not.
    assert split("Click Save to keep your changes.") == 2.0 > normal.pieces_per_word_p99
    assert normal.pieces_per_word_p99 == 1.8333  # the figure the docs give (1.83)
    assert sum(split(sentence) > normal.pieces_per_word_p99 for sentence in ODD) >= 8
    assert split(CAPTION) < 1.2 < normal.pieces_per_word_p99  # captions: about 1.1 a word
