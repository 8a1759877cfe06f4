"""The teachers users have, in their real hub shape, through `model-build run` both ways.

Each family's tiny teacher (tests/factories.py) is trained en→de and de→en, so its output is
text; every build must end in a bundle that verifies and translates like the service, from
distilled data without a single language token in it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bundle import open_verified
from model_build.teachers.conversion import convert_teacher
from model_build.teachers.language_codes import is_language_token
from tests.model_build.conftest import write_config
from tests.model_build.test_pipeline import run_cli, translate_like_the_service

pytestmark = pytest.mark.slow

# Enough to end in a bundle; the quality figures of a tiny build mean nothing.
LIGHT = {
    "train__max_steps": 40, "train__eval_every": 40, "evaluate__speed_teacher": False,
    "evaluate__max_sentences": 20, "evaluate__speed_sentences": 8,
    "calibrate__max_sentences": 20, "convert__check_sentences": 10,
    "prepare__max_sentences": 120,
}  # fmt: skip
WORDS = {"de": {"Park", "Straße", "Strand", "Schnee", "Bank", "läuft", "sitzt"},
         "en": {"park", "street", "beach", "snow", "bench", "running", "sitting"}}  # fmt: skip
SOURCE = {"en": "A dog is running in the park.", "de": "Ein hund läuft im park."}


@pytest.fixture(scope="module")
def nllb_ct2(tmp_path_factory: pytest.TempPathFactory, nllb_teacher: Path) -> Path:
    """The tiny NLLB converted by the user (python -m model_build.teachers.conversion)."""
    return convert_teacher(nllb_teacher, tmp_path_factory.mktemp("ct2") / "nllb-ct2", "int8")


CASES = [
    ("m2m100", "m2m100_teacher", {}),
    ("nllb", "nllb_teacher", {}),
    ("mbart50", "mbart50_teacher", {}),
    ("t5", "madlad_teacher", {}),
    ("ctranslate2", "nllb_ct2", {"source_prefix": "{source}", "target_prefix": "{target}"}),
]
NLLB = {"en": "eng_Latn", "de": "deu_Latn"}


@pytest.mark.parametrize("direction", ["en-de", "de-en"])
@pytest.mark.parametrize(("family", "fixture", "teacher"), CASES, ids=[c[0] for c in CASES])
def test_a_hub_shaped_teacher_distils_into_a_bundle_that_translates(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    caption_files: Path,
    family: str,
    fixture: str,
    teacher: dict[str, str],
    direction: str,
) -> None:
    source, target = direction.split("-")
    prefixes = {f"teacher__{key}": [NLLB[source if "{source}" in v else target]]
                for key, v in teacher.items()}  # fmt: skip
    config = write_config(
        tmp_path, request.getfixturevalue(fixture), caption_files, family=family,
        source_lang=source, target_lang=target,
        prepare__sources=[{"source": str(caption_files / f"train.{source}"),
                           "target": str(caption_files / f"train.{target}")}],
        **LIGHT, **prefixes,
    )  # fmt: skip
    run_cli("run", str(config))
    raw = (tmp_path / "work" / "distill" / "raw.tgt").read_text(encoding="utf-8").split()
    assert not [word for word in raw if is_language_token(word)]
    assert len(WORDS[target] & {word.strip(".,") for word in raw}) >= 3  # in the target language
    bundle = tmp_path / "work" / "bundles" / direction
    manifest = open_verified(bundle)
    assert manifest.teacher.family == family
    [output] = translate_like_the_service(bundle, [SOURCE[source]])
    assert isinstance(output, str)  # a 40-step student: it runs, its words mean little
