"""Our chrF gives sacrebleu's sentence chrF (sacrebleu is a build dependency, not serving)."""

from __future__ import annotations

import pytest
import sacrebleu

from service.cost.chrf import chrf

PAIRS = [
    ("Ein Hund rennt im Park.", "Ein Hund läuft im Park."),
    ("Zwei Männer sitzen auf einer Bank.", "Zwei Männer sitzen auf einer Bank."),
    ("Katze", "Ein völlig anderer Satz ohne Bezug."),
    ("a", "ab"),
    ("", "Ein Hund."),
    ("x y z", "z y x"),
]


@pytest.mark.parametrize(("hypothesis", "reference"), PAIRS)
def test_chrf_equals_sacrebleu_sentence_chrf(hypothesis: str, reference: str) -> None:
    expected = sacrebleu.sentence_chrf(hypothesis, [reference]).score
    assert chrf(hypothesis, reference) == pytest.approx(expected, abs=1e-9)


def test_identical_texts_agree_fully() -> None:
    assert chrf("Ein Hund rennt.", "Ein Hund rennt.") == pytest.approx(100.0)
