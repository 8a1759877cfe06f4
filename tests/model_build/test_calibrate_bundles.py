"""On real tiny models: the teacher packed as a bundle, calibration of an existing bundle
against it, and a build whose evaluate step calibrates the routing into bundle.json."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sacrebleu
from typer.testing import CliRunner

from bundle import open_verified, read_manifest
from model_build.cli import app
from model_build.steps.evaluate import load_bundle, translate_all
from tests.factories import caption_pairs, make_bundle, make_marian_teacher
from tests.model_build.conftest import write_config

pytestmark = pytest.mark.slow


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def teacher_bundle(
    tmp_path_factory: pytest.TempPathFactory, tiny_teacher: Path, caption_files: Path
) -> Path:
    folder = tmp_path_factory.mktemp("teacher-bundle")
    config = write_config(folder, tiny_teacher, caption_files)
    run_cli("teacher-bundle", str(config), str(folder / "teacher-en-de"))
    return folder / "teacher-en-de"


@pytest.fixture(scope="module")
def weak_student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of a barely trained model: right on some captions, wrong on others."""
    folder = tmp_path_factory.mktemp("weak")
    checkpoint = make_marian_teacher(folder / "checkpoint", train_steps=60, seed=3)
    return make_bundle(folder / "en-de", checkpoint)


@pytest.fixture(scope="module")
def dev_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("dev")
    pairs = caption_pairs(80, seed=7)
    (folder / "dev.en").write_text("".join(en + "\n" for en, _ in pairs), encoding="utf-8")
    (folder / "dev.de").write_text("".join(de + "\n" for _, de in pairs), encoding="utf-8")
    return folder / "dev.en", folder / "dev.de"


def test_the_teacher_packs_as_a_verified_bundle_that_translates_as_the_teacher(
    teacher_bundle: Path, tiny_teacher: Path
) -> None:
    from model_build.config import TeacherConfig
    from model_build.teachers.huggingface import MarianTeacher

    manifest = open_verified(teacher_bundle)
    assert manifest.role == "teacher"
    assert manifest.teacher.family == "marian" and manifest.student.preset == "teacher"
    assert manifest.model.compute_type == "int8"
    assert {"model/model.bin", "source.spm", "target.spm", "report.md"} <= manifest.files.keys()
    sources = [en for en, _ in caption_pairs(40, seed=5)]
    packed = translate_all(load_bundle(teacher_bundle, 4, 1), sources, "packed")
    config = TeacherConfig(family="marian", model=str(tiny_teacher), device="cpu")
    original = MarianTeacher(config, "en", "de", beam_size=4).translate(sources)
    assert sacrebleu.corpus_chrf(packed, [original]).score > 90  # int8 against fp32


def test_an_existing_teacher_bundle_is_not_replaced_without_force(
    teacher_bundle: Path, tiny_teacher: Path, caption_files: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, tiny_teacher, caption_files)
    result = CliRunner().invoke(app, ["teacher-bundle", str(config), str(teacher_bundle)])
    assert result.exit_code == 1
    assert open_verified(teacher_bundle).role == "teacher"


def test_calibrate_writes_the_routing_of_an_existing_bundle_which_still_verifies(
    weak_student: Path, teacher_bundle: Path, dev_files: tuple[Path, Path], tmp_path: Path
) -> None:
    student = Path(shutil.copytree(weak_student, tmp_path / "en-de"))
    dev, ref = dev_files
    output = run_cli(
        "calibrate", str(student), "--teacher", str(teacher_bundle), "--dev", str(dev),
        "--dev-ref", str(ref), "--budget", "0.25", "--signal", "mean_logprob",
        "--signal", "nbest_margin",
    )  # fmt: skip
    routing = open_verified(student).routing
    assert routing is not None
    assert "escalate when" in output and "25.0% of dev" in output
    assert routing.target == "budget 0.25" and routing.dev_escalated == 0.25
    assert set(routing.signals_compared) == {"mean_logprob", "nbest_margin"}
    first, last = routing.curve[0], routing.curve[-1]
    assert first.escalated == 0.0 and last.escalated == 1.0 and last.bleu_vs_teacher == 100.0
    assert last.bleu >= first.bleu  # the teacher is the better model here
    assert routing.measured_on == "80 sentences of dev.en"
    unchanged = read_manifest(weak_student).model_copy(update={"routing": routing})
    assert read_manifest(student) == unchanged


def test_calibrate_takes_a_hugging_face_teacher_and_a_quality_target(
    weak_student: Path, tiny_teacher: Path, dev_files: tuple[Path, Path], tmp_path: Path
) -> None:
    student = Path(shutil.copytree(weak_student, tmp_path / "en-de"))
    dev, ref = dev_files
    run_cli("calibrate", str(student), "--teacher", str(tiny_teacher), "--dev", str(dev),
            "--dev-ref", str(ref), "--bleu-share", "0.9")  # fmt: skip
    routing = read_manifest(student).routing
    assert routing is not None and routing.target.startswith("bleu_share 0.9")
    assert routing.teacher == str(tiny_teacher)


def test_a_build_calibrates_its_routing_into_the_bundle_and_its_report(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    config = write_config(tmp_path, tiny_teacher, caption_files, calibrate__budget=0.2)
    run_cli("run", str(config))
    bundle = tmp_path / "work" / "bundles" / "en-de"
    manifest = open_verified(bundle)
    assert manifest.role == "student"
    assert manifest.routing is not None
    assert manifest.routing.signal == "mean_logprob" and manifest.routing.target == "budget 0.2"
    assert manifest.routing.measured_on == "30 dev sentences"
    assert "routing.png" in manifest.files
    report = (bundle / "report.md").read_text(encoding="utf-8")
    assert "## Routing: when the student hands a sentence to the teacher" in report
    assert "| escalated | threshold | BLEU |" in report and "| signal from | sentences |" in report
    assert (tmp_path / "work" / "evaluate" / "hyps" / "dev.teacher.txt").is_file()
