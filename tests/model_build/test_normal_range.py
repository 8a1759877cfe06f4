"""The normal range a build writes: how its training sources are cut into pieces, among others."""

from __future__ import annotations

from pathlib import Path

import sentencepiece as spm

from bundle import pieces_per_word, read_manifest
from tests.factories import caption_pairs


def test_pieces_per_word_counts_pieces_over_word_starts() -> None:
    assert pieces_per_word(["▁A", "▁dog", "."]) == 1.5
    assert pieces_per_word(["▁C", "l", "ick", "▁S", "ave"]) == 2.5
    assert pieces_per_word([]) == 0.0


def test_the_build_records_how_far_its_training_words_fall_apart(tiny_bundle: Path) -> None:
    manifest = read_manifest(tiny_bundle)
    assert manifest.normal_range is not None
    limit = manifest.normal_range.pieces_per_word_p99
    assert limit is not None
    source = spm.SentencePieceProcessor(model_file=str(tiny_bundle / "source.spm"))

    def split(text: str) -> float:
        return pieces_per_word(source.encode(text, out_type=str))

    captions = [english for english, _ in caption_pairs()]
    assert sum(split(caption) <= limit for caption in captions) >= 0.99 * len(captions)
    assert split("Quarterly revenue grew despite currency headwinds.") > limit
