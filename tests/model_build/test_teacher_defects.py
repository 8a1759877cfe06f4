"""What used to break a real user's build, or let it distil garbage silently (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from model_build.cli import app
from model_build.config import TeacherConfig
from model_build.steps.evaluate import load_student
from model_build.teachers.conversion import convert_teacher
from model_build.teachers.ctranslate2 import CTranslate2Teacher, decoder_positions
from model_build.teachers.language_codes import is_language_token
from tests.factories import make_marian_teacher
from tests.model_build.conftest import write_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def untrained_marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random Marian checkpoint (128 positions): it emits loops, never an early `</s>`."""
    return make_marian_teacher(tmp_path_factory.mktemp("random") / "marian")


def test_a_student_decodes_within_its_own_positions(untrained_marian: Path, tmp_path: Path) -> None:
    from ctranslate2.converters import TransformersConverter

    model_dir = tmp_path / "ct2"
    TransformersConverter(str(untrained_marian)).convert(str(model_dir), quantization="int8")
    assert decoder_positions(model_dir) == 128
    student = load_student(model_dir, untrained_marian, beam=2, threads=1)
    assert student.max_length == 127  # was 256: "No position encodings ... positions >= 128"
    [output] = student.translate(["A dog is running in the park."])
    assert isinstance(output, str)


def test_a_teacher_whose_output_cleaning_drops_entirely_stops_after_distill_with_counts(
    untrained_marian: Path, tmp_path: Path, caption_files: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, untrained_marian, caption_files, distill__max_length=64)
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # no traceback
    [line] = [r.getMessage() for r in caplog.records if "cleaning dropped all" in r.getMessage()]
    assert line.startswith(
        "distill: the teacher returned 276 sentences and cleaning dropped all of them "
        "(empty 0, repetition 276, length_ratio 0); check the teacher's output in "
    )
    assert not (tmp_path / "work" / "vocab").exists()  # was SentencePiece's `!sentences_.empty()`


def test_a_converted_multilingual_teacher_without_prefixes_emits_no_language_token(
    tmp_path: Path, nllb_teacher: Path
) -> None:
    folder = convert_teacher(nllb_teacher, tmp_path / "nllb-ct2", "float32")
    config = TeacherConfig(family="ctranslate2", model=str(folder))
    teacher = CTranslate2Teacher(config, "en", "de", beam_size=2, max_length=32, threads=1)
    sources = ["A dog is running in the park.", "A woman is sitting on a bench."]
    raw = teacher.translator.translate_batch([teacher.codec.encode(s) for s in sources])
    assert any(is_language_token(r.hypotheses[0][0]) for r in raw)  # the model emits one first
    outputs = teacher.translate(sources)
    assert all(text and not is_language_token(text.split()[0]) for text in outputs)


def test_an_m2m100_checkpoint_converts_with_the_vocabulary_fix_up(
    tmp_path: Path, m2m100_teacher: Path
) -> None:
    from ctranslate2.converters import TransformersConverter

    with pytest.raises(ValueError, match="vocabulary"):  # ct2-transformers-converter's failure
        TransformersConverter(str(m2m100_teacher)).convert(str(tmp_path / "plain"))
    folder = convert_teacher(m2m100_teacher, tmp_path / "m2m100-ct2", "float32")
    config = TeacherConfig(family="ctranslate2", model=str(folder), source_prefix=["__en__"],
                           target_prefix=["__de__"])  # fmt: skip
    assert CTranslate2Teacher.check(config, "en", "de", check_endpoint=False) == []
    teacher = CTranslate2Teacher(config, "en", "de", beam_size=2, max_length=32, threads=1)
    [output] = teacher.translate(["A dog is running in the park."])
    assert "Park" in output


def test_madlad_in_ctranslate2_ranks_beams_as_transformers_does(
    tmp_path: Path, madlad_teacher: Path
) -> None:
    """transformers 5 forces `tie_word_embeddings` on T5 configs; CTranslate2 then scaled the
    logits by d_model**-0.5: greedy agreed, beam 2 differed on 34 of 120 captions."""
    import ctranslate2
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from model_build.teachers.huggingface import convert_checkpoint
    from tests.factories import caption_pairs

    convert_checkpoint(TeacherConfig(family="t5", model=str(madlad_teacher)), tmp_path, "float32")
    tokenizer = AutoTokenizer.from_pretrained(madlad_teacher)
    model = AutoModelForSeq2SeqLM.from_pretrained(madlad_teacher).eval()
    sources = [f"<2de> {en}" for en, _ in caption_pairs()[:60]]
    with torch.inference_mode():
        encoded = tokenizer(sources, return_tensors="pt", padding=True)
        output = model.generate(**encoded, num_beams=2, early_stopping=True, max_new_tokens=40)
    expected = tokenizer.batch_decode(output, skip_special_tokens=True)
    translator = ctranslate2.Translator(str(tmp_path), intra_threads=1)
    batch = [tokenizer.convert_ids_to_tokens(tokenizer(s).input_ids) for s in sources]
    results = translator.translate_batch(batch, beam_size=2, max_decoding_length=40)
    got = [tokenizer.convert_tokens_to_string(r.hypotheses[0]) for r in results]
    assert [text.strip() for text in got] == [text.strip() for text in expected]
