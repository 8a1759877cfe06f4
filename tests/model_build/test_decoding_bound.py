"""The build decodes a bundle with the service's bound (`bundle.decoding_length`), so its
speed rows and scores are what the service would measure: a beam that runs away stops near the
input's length, not at the decoder's last position."""

from __future__ import annotations

from pathlib import Path

from bundle import MAX_LENGTH_RATIO, decoding_length, read_manifest
from model_build.steps.evaluate import load_bundle

LONG = " ".join(["A man in a red shirt rides a bike down the street"] * 3) + "."


def test_the_bound_follows_the_longest_input_within_the_decoders_positions() -> None:
    assert decoding_length(3.0, 10, 255) == 34
    assert decoding_length(3.0, 1, 255) == 8  # short inputs still get a sentence's room
    assert decoding_length(3.0, 200, 255) == 255


def test_a_bundle_is_decoded_with_its_manifests_ratio(tiny_bundle: Path) -> None:
    system = load_bundle(tiny_bundle, 2, 1)
    assert system.length_ratio == read_manifest(tiny_bundle).model.max_length_ratio
    assert system.length_ratio == MAX_LENGTH_RATIO


def test_output_stops_at_the_bound_the_service_would_set(tiny_bundle: Path) -> None:
    system = load_bundle(tiny_bundle, 2, 1)
    system.length_ratio = 0.0  # the bound is then the floor, 8 tokens
    system.translate([LONG])
    assert system.output_tokens == 8
    system.length_ratio = None  # the decoder's positions only, as distillation decodes
    system.translate([LONG])
    assert system.output_tokens > 16
