"""Language codes come from the teacher's own tokenizer; a code it does not have never validates.

The snapshots here are untrained (only their tokenizers matter) and built in the real shape of
each hub checkpoint by tests/factories.py.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from model_build.config import TeacherConfig, load_config
from model_build.teachers.conversion import convert_teacher
from model_build.teachers.huggingface import M2M100Teacher, MBart50Teacher, NLLBTeacher
from model_build.teachers.language_codes import language_codes, tokenizer_tokens
from model_build.validation import validate
from tests.factories import (
    make_m2m100_teacher,
    make_madlad_teacher,
    make_mbart50_teacher,
    make_nllb_teacher,
)
from tests.model_build.conftest import REPO, write_config

MAKERS: dict[str, Callable[[Path], Path]] = {
    "nllb": make_nllb_teacher,
    "mbart50": make_mbart50_teacher,
    "m2m100": make_m2m100_teacher,
    "t5": make_madlad_teacher,
}


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Untrained hub-shaped snapshots of each multilingual family."""
    root = tmp_path_factory.mktemp("snapshots")
    return {family: make(root / family) for family, make in MAKERS.items()}


def problems(
    folder: Path, snapshot: Path, family: str, data: Path, **overrides: object
) -> list[str]:
    path = write_config(folder, snapshot, data, family=family, **overrides)
    return validate(load_config(path))


@pytest.mark.parametrize(
    ("family", "target", "code"),
    [
        ("nllb", "ro", "ron_Latn"),  # was 'ro', an ordinary BPE piece, forced and stripped
        ("nllb", "ar", None),  # Arabic has several NLLB codes (arb_Arab, ars_Arab, ...)
        ("mbart50", "ro", "ro_RO"),  # was "does not know language code 'ro'"
        ("m2m100", "ro", "__ro__"),
        ("t5", "zh", "<2zh>"),  # the bare tag rather than `<2zh_Latn>`
    ],
)
def test_a_language_resolves_to_the_tokenizers_own_code_or_to_a_problem(
    snapshots: dict[str, Path], family: str, target: str, code: str | None
) -> None:
    from transformers import AutoTokenizer

    from model_build.teachers import teacher_class

    tokenizer = AutoTokenizer.from_pretrained(snapshots[family])
    config = TeacherConfig(family=family, model=str(snapshots[family]))
    found, issues = teacher_class(family).resolve_codes(config, tokenizer, "en", target)  # type: ignore[attr-defined]
    assert found.get("target") == code
    assert bool(issues) == (code is None)


def test_nllb_codes_are_the_200_of_its_tokenizer_and_an_unknown_language_names_the_variable(
    tmp_path: Path, snapshots: dict[str, Path], caption_files: Path
) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(snapshots["nllb"])
    assert len(language_codes("nllb", tokenizer_tokens(tokenizer))) == 202
    found = problems(tmp_path, snapshots["nllb"], "nllb", caption_files, target_lang="xx")
    assert len(found) == 1
    assert "has no language code for 'xx': set teacher.target_code" in found[0]


def test_a_forced_code_that_is_an_ordinary_piece_fails_validation(
    tmp_path: Path, snapshots: dict[str, Path], caption_files: Path
) -> None:
    found = problems(tmp_path, snapshots["nllb"], "nllb", caption_files,
                     teacher__target_code="▁is")  # fmt: skip
    assert found == [
        f"teacher: teacher.target_code: '▁is' is not a language code of {snapshots['nllb']} "
        "(nllb: ace_Arab, ace_Latn, acm_Arab, acq_Arab, aeb_Arab, afr_Latn, ajp_Arab, "
        "aka_Latn, ... 202 in all)"
    ]


def test_an_ambiguous_language_asks_for_the_target_code(
    tmp_path: Path, snapshots: dict[str, Path], caption_files: Path
) -> None:
    found = problems(tmp_path, snapshots["nllb"], "nllb", caption_files, target_lang="zh")
    assert found == [
        f"teacher: language 'zh' is ambiguous for {snapshots['nllb']} (zho_Hans, zho_Hant): "
        "set teacher.target_code"
    ]
    assert problems(tmp_path / "set", snapshots["nllb"], "nllb", caption_files, target_lang="zh",
                    teacher__target_code="zho_Hant") == []  # fmt: skip


def test_the_documented_m2m100_override_is_used_verbatim(snapshots: dict[str, Path]) -> None:
    config = TeacherConfig(family="m2m100", model=str(snapshots["m2m100"]),
                           source_code="__en__", target_code="__de__")  # fmt: skip
    assert M2M100Teacher.check(config, "en", "de", check_endpoint=False) == []
    teacher = M2M100Teacher(config, "en", "de", beam_size=1, max_length=8, threads=1)
    assert teacher.forced_bos() == "__de__"
    assert teacher.tokenizer.convert_ids_to_tokens(teacher.tokenizer("A dog.").input_ids)[0] == (
        "__en__"
    )


def test_mbart50_derives_every_code_of_its_tokenizer(snapshots: dict[str, Path]) -> None:
    config = TeacherConfig(family="mbart50", model=str(snapshots["mbart50"]))
    teacher = MBart50Teacher(config, "en", "ro", beam_size=1, max_length=8, threads=1)
    assert teacher.codes == {"source": "en_XX", "target": "ro_RO"}


def test_an_mbart50_snapshot_without_tokenizer_json_loads_with_the_build_dependencies(
    snapshots: dict[str, Path],
) -> None:
    """transformers converts its sentencepiece.bpe.model, which needs protobuf (else the
    error says a `tiktoken` file needs `tiktoken`): the build extra has to bring it."""
    snapshot = snapshots["mbart50"]
    assert not (snapshot / "tokenizer.json").exists()
    build = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(req.split(">")[0].split("=")[0].strip() == "protobuf" for req in build["build"])
    config = TeacherConfig(family="mbart50", model=str(snapshot))
    assert MBart50Teacher.check(config, "en", "de", check_endpoint=False) == []
    assert type(MBart50Teacher.load_tokenizer(config)).__name__ == "MBart50Tokenizer"


def test_nllb_takes_its_source_code_as_the_first_source_token(snapshots: dict[str, Path]) -> None:
    config = TeacherConfig(family="nllb", model=str(snapshots["nllb"]))
    teacher = NLLBTeacher(config, "de", "en", beam_size=1, max_length=8, threads=1)
    ids = teacher.tokenizer("Ein hund.").input_ids
    assert teacher.tokenizer.convert_ids_to_tokens(ids)[0] == "deu_Latn"
    assert teacher.forced_bos() == "eng_Latn"


def test_a_ctranslate2_teachers_prefixes_must_be_language_tokens_of_its_model(
    tmp_path: Path, snapshots: dict[str, Path], caption_files: Path
) -> None:
    folder = convert_teacher(snapshots["nllb"], tmp_path / "nllb-ct2", "int8")
    ok = problems(tmp_path / "ok", folder, "ctranslate2", caption_files,
                  teacher__source_prefix=["eng_Latn"],
                  teacher__target_prefix=["deu_Latn"])  # fmt: skip
    assert ok == []
    bad = problems(tmp_path / "bad", folder, "ctranslate2", caption_files,
                   teacher__target_prefix=["xxx_Latn"])  # fmt: skip
    assert len(bad) == 1
    assert bad[0].startswith(
        f"teacher: teacher.target_prefix: 'xxx_Latn' is not a language token of {folder}"
    )


def test_a_folder_the_user_converted_with_ct2_transformers_converter_is_a_teacher(
    tmp_path: Path, snapshots: dict[str, Path]
) -> None:
    """`ct2-transformers-converter --copy_files sentencepiece.bpe.model`: no source.spm."""
    from ctranslate2.converters import TransformersConverter

    from model_build.teachers.ctranslate2 import CTranslate2Teacher

    folder = tmp_path / "user-ct2"
    TransformersConverter(str(snapshots["nllb"]), copy_files=["sentencepiece.bpe.model"]).convert(
        str(folder)
    )
    config = TeacherConfig(family="ctranslate2", model=str(folder), source_prefix=["eng_Latn"],
                           target_prefix=["deu_Latn"])  # fmt: skip
    assert CTranslate2Teacher.check(config, "en", "de", check_endpoint=False) == []
    teacher = CTranslate2Teacher(config, "en", "de", beam_size=1, max_length=8, threads=1)
    assert len(teacher.translate(["A dog."])) == 1


def test_a_teacher_bundle_takes_the_m2m100_override_verbatim_too() -> None:
    from model_build.teacher_bundle import tokenizer_info

    config = TeacherConfig(family="m2m100", model="m", target_code="__de__")
    info = tokenizer_info(config, "en", "de")
    assert (info.source_prefix, info.target_prefix) == (["__en__"], ["__de__"])
