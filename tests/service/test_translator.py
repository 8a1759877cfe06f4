"""A bundle's translator: tokens as the student was trained, decoding bounded by the input."""

from __future__ import annotations

from pathlib import Path

from bundle import open_verified
from service.engine.translator import BundleTranslator, DecodeOptions
from service.settings import ServiceSettings


def test_source_tokens_end_with_the_end_of_sentence_marker(tiny_bundle: Path) -> None:
    translator = BundleTranslator(tiny_bundle, open_verified(tiny_bundle), ServiceSettings())
    tokens = translator.tokenize("A dog is running.")
    assert tokens[-1] == "</s>"
    assert translator.count_tokens("A dog is running.") == len(tokens)


def test_decoding_length_is_bounded_relative_to_the_input() -> None:
    options = DecodeOptions(
        beam_size=1,
        max_length_ratio=2.0,
        max_decoding_length=100,
        repetition_penalty=1.0,
        no_repeat_ngram_size=0,
    )
    assert options.decoding_length(10) == 24
    assert options.decoding_length(1000) == 100
    assert options.decoding_length(1) == 8


def test_settings_override_the_bundles_beam_size(tiny_bundle: Path) -> None:
    manifest = open_verified(tiny_bundle)
    assert DecodeOptions.from_bundle(manifest, ServiceSettings()).beam_size == 4
    assert DecodeOptions.from_bundle(manifest, ServiceSettings(beam_size=1)).beam_size == 1


def test_a_translation_is_german_for_the_template_captions(tiny_bundle: Path) -> None:
    translator = BundleTranslator(tiny_bundle, open_verified(tiny_bundle), ServiceSettings())
    [result] = translator.translate(["A dog is sleeping in the park."])
    assert "Park" in result.text
    assert result.output_tokens > 0


def test_decoding_never_runs_past_the_decoders_positions(tiny_bundle: Path) -> None:
    manifest = open_verified(tiny_bundle)  # a decoder with 128 positions
    options = DecodeOptions.from_bundle(manifest, ServiceSettings(max_decoding_length=512))
    assert options.decoding_length(100) == 127


def test_an_input_near_the_position_limit_translates_instead_of_raising(
    tiny_bundle: Path,
) -> None:
    # 3 x 100 input tokens + 4 once asked CTranslate2 for positions the model does not have.
    translator = BundleTranslator(tiny_bundle, open_verified(tiny_bundle), ServiceSettings())
    tokens = [*translator.tokenize(" ".join(["dog"] * 200))[:99], "</s>"]
    [result] = translator.translate_tokens([tokens])
    assert 0 < result.output_tokens <= 127


def test_a_translation_carries_its_score_and_whether_it_hit_the_length_bound(
    tiny_bundle: Path,
) -> None:
    translator = BundleTranslator(tiny_bundle, open_verified(tiny_bundle), ServiceSettings())
    [caption] = translator.translate(["A dog is sleeping in the park."])
    assert -1.0 < caption.score <= 0.0
    assert not caption.hit_limit
