"""The cascade tests' two models: the embedded student and a tiny teacher.

The student (the embedded bundle) translates captions and is unsure of anything else; the
teacher is an untrained tiny Marian model, so whatever it writes differs from the student and
shows, in the answer, which model translated a sentence.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.settings import EMBEDDED_BUNDLES
from tests.factories import make_bundle, make_marian_teacher

# Far from the captions: the student flags each of them (low_score).
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


@pytest.fixture(scope="session")
def student_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder whose en-de bundle is the embedded student, calibrated on Multi30k dev.

    Not the tiny test student: a model trained for a minute is not calibrated, and its scores
    depend on the CPU's float kernels (trained on a Xeon with AVX-512, it translated every ODD
    sentence as confidently as a caption). The embedded student's threshold comes from its
    build; `test_calibration.py` checks that it flags ODD and not CAPTION, by a wide margin.
    """
    folder = tmp_path_factory.mktemp("student")
    shutil.copytree(EMBEDDED_BUNDLES / "en-de", folder / "en-de")
    return folder


@pytest.fixture(scope="session")
def teacher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder whose en-de bundle is the (untrained, seed 1) teacher."""
    checkpoint = make_marian_teacher(tmp_path_factory.mktemp("raw-teacher"), seed=1)
    folder = tmp_path_factory.mktemp("teachers")
    make_bundle(folder / "en-de", checkpoint, normal_range=False)
    return folder
