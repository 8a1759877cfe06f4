"""A teacher for the cascade tests: a tiny bundle with other weights than the student's.

The student (`tiny_bundle`) translates the template captions and is unsure of anything else;
the teacher is an untrained tiny Marian model, so whatever it writes differs from the student
and shows, in the answer, which model translated a sentence.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.factories import make_bundle, make_marian_teacher

# Far from the captions: the tiny student flags each of them (low_score).
ODD = [
    "Please sign the contract and return it by Friday.",
    "Quarterly revenue grew despite currency headwinds.",
    "The server rejected my password twice yesterday.",
    "Our invoice number changed after the merger.",
    "Could you reschedule the meeting with accounting?",
    "The firmware update bricked my router again.",
    "Interest rates rose faster than economists predicted.",
    "Refunds take five business days to process.",
    "Reboot the database cluster before midnight.",
    "His mortgage application was approved on Tuesday.",
]
CAPTION = "A dog is running in the park."


def require_unsure_of_odd(bundle: Path) -> None:
    """Skips unless the tiny student flags every ODD sentence and not CAPTION: the premise of
    the cascade tests. A tiny model trained for a minute is not calibrated, and its scores
    depend on the CPU's float kernels: trained on a Xeon with AVX-512, it translated every
    ODD sentence as confidently as a caption (-0.03 to -0.13 against a threshold of -0.11)."""
    from bundle import open_verified, read_manifest
    from service.engine.translator import BundleTranslator
    from service.routing.checks import check_sentence, score_threshold
    from service.settings import ServiceSettings

    manifest = read_manifest(bundle)
    translator = BundleTranslator(bundle, open_verified(bundle), ServiceSettings())
    sentences = [CAPTION, *ODD]
    outs = translator.translate(sentences)
    low = [
        check_sentence(
            sentence,
            len(translator.tokenize(sentence)),
            out,
            manifest.normal_range,
            score_threshold(manifest),
        ).low
        for sentence, out in zip(sentences, outs, strict=True)
    ]
    if low != [False] + [True] * len(ODD):
        pytest.skip(
            "the tiny student trained on this CPU is not unsure of the ODD sentences "
            f"(flagged: {low}): the cascade tests need one that is"
        )


@pytest.fixture(scope="session")
def student_dir(
    tmp_path_factory: pytest.TempPathFactory, tiny_bundle: Path, unsure_of_odd: None
) -> Path:
    folder = tmp_path_factory.mktemp("student")
    shutil.copytree(tiny_bundle, folder / "en-de")
    return folder


@pytest.fixture(scope="session")
def teacher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder whose en-de bundle is the (untrained, seed 1) teacher."""
    checkpoint = make_marian_teacher(tmp_path_factory.mktemp("raw-teacher"), seed=1)
    folder = tmp_path_factory.mktemp("teachers")
    make_bundle(folder / "en-de", checkpoint, normal_range=False)
    return folder
