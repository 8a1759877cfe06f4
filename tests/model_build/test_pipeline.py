"""`model-build run` end to end on tiny teachers the tests build: the bundle serves as built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bundle import BundleError, open_verified
from model_build.cli import app
from model_build.steps import STEP_NAMES
from tests.model_build.conftest import write_config

pytestmark = pytest.mark.slow


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def statuses(output: str) -> dict[str, str]:
    """Step → "ran"/"skipped", from the summary table `run` prints at the end."""
    table = output[output.rindex("step      status") :].splitlines()[1:]
    return {line.split()[0]: line.split()[1] for line in table if line.strip()}


def translate_like_the_service(folder: Path, texts: list[str]) -> list[str]:
    """What the service does: pieces + </s> (after source_prefix), CTranslate2, target decode."""
    import ctranslate2
    import sentencepiece as spm

    manifest = open_verified(folder)
    source = spm.SentencePieceProcessor(model_file=str(folder / manifest.tokenizer.source_spm))
    target = spm.SentencePieceProcessor(model_file=str(folder / manifest.tokenizer.target_spm))
    translator = ctranslate2.Translator(str(folder / manifest.model.path), intra_threads=1)
    batch = [
        [*manifest.tokenizer.source_prefix, *source.encode(text, out_type=str), "</s>"]
        for text in texts
    ]
    results = translator.translate_batch(batch, beam_size=manifest.model.beam_size)
    return [target.decode(result.hypotheses[0]) for result in results]


@pytest.fixture(scope="module")
def marian_build(
    tmp_path_factory: pytest.TempPathFactory, tiny_teacher: Path, caption_files: Path
) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("marian-build")
    config = write_config(folder, tiny_teacher, caption_files)
    return config, run_cli("run", str(config))


def test_a_marian_teacher_builds_a_bundle_that_verifies_and_translates(
    marian_build: tuple[Path, str],
) -> None:
    config, output = marian_build
    bundle = config.parent / "work" / "bundles" / "en-de"
    manifest = open_verified(bundle)
    assert manifest.teacher.family == "marian"
    assert manifest.data.distilled
    assert set(manifest.quality) == {"heldout"}
    assert manifest.cost is not None and manifest.cost.student_seconds_per_1k_tokens > 0
    assert {"report.md", "quality_speed.png", "model/model.bin"} <= manifest.files.keys()
    assert "| teacher (CTranslate2 int8) |" in (bundle / "report.md").read_text()
    outputs = translate_like_the_service(bundle, ["A dog is running in the park.", "A man."])
    assert len(outputs) == 2 and all(isinstance(text, str) for text in outputs)
    assert set(statuses(output).values()) == {"ran"}


def test_a_second_run_skips_every_finished_step(marian_build: tuple[Path, str]) -> None:
    config, _ = marian_build
    output = run_cli("run", str(config))
    assert statuses(output) == dict.fromkeys(STEP_NAMES, "skipped")


def test_a_changed_config_section_reruns_that_step_and_those_after(
    marian_build: tuple[Path, str],
) -> None:
    config, _ = marian_build
    output = run_cli("run", str(config), "--set", "evaluate.speed_sentences=8")
    assert statuses(output) == {
        "prepare": "skipped", "distill": "skipped", "vocab": "skipped", "train": "skipped",
        "shortlist": "skipped", "convert": "skipped", "evaluate": "ran", "bundle": "ran",
    }  # fmt: skip


def test_a_tampered_bundle_file_fails_its_checksum(
    marian_build: tuple[Path, str], tmp_path: Path
) -> None:
    config, _ = marian_build
    copy = Path(shutil.copytree(config.parent / "work" / "bundles" / "en-de", tmp_path / "en-de"))
    with (copy / "model" / "model.bin").open("r+b") as stream:
        stream.seek(100)
        byte = stream.read(1)
        stream.seek(100)
        stream.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(BundleError, match=r"checksum mismatch for model/model\.bin"):
        open_verified(copy)


def test_an_m2m100_teacher_with_language_tokens_builds_a_working_bundle(
    tmp_path: Path, m2m100_teacher: Path, caption_files: Path
) -> None:
    config = write_config(tmp_path, m2m100_teacher, caption_files, family="m2m100")
    run_cli("run", str(config))
    bundle = tmp_path / "work" / "bundles" / "en-de"
    manifest = open_verified(bundle)
    assert manifest.teacher.family == "m2m100"
    teacher_output = (tmp_path / "work" / "distill" / "raw.tgt").read_text(encoding="utf-8")
    assert "__de__" not in teacher_output
    assert "Park" in teacher_output or "Straße" in teacher_output
    assert len(translate_like_the_service(bundle, ["A girl is sitting on a bench."])) == 1


def test_the_report_gives_the_headline_every_scored_system_and_the_builds_own_notes(
    marian_build: tuple[Path, str],
) -> None:
    config, _ = marian_build
    run_cli("bundle", str(config), "--force", "--set", "bundle.report_notes=Chosen on val only.")
    report = (config.parent / "work" / "bundles" / "en-de" / "report.md").read_text()
    assert "the student keeps" in report and "of the teacher's BLEU" in report
    assert "int8 quantization changes BLEU by" in report
    assert "| student unquantized (float32) |" in report
    assert "translates the same sentences" in report
    assert "## Notes\n\nChosen on val only." in report
