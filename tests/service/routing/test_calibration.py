"""The cascade's premise, on the student the service ships: it is unsure of text far from its
domain and sure of a caption, by a margin no CPU's float kernels can cross."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundle import open_verified, read_manifest
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
