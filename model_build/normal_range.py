"""The student's normal range: how long its training input was, how its dev output looks.

The service uses it to tell a sentence far longer than anything the student was trained on
(cut it at clause boundaries before translation: a tiny student trained on captions silently
drops most of a 140-token run-on sentence), a sentence whose words its vocabulary cuts into
far more pieces than those of its training text (unfamiliar: flag it), and a translation whose
length ratio or score is far outside what the student produces on its own dev set (flag it).

Written by the bundle step into ``bundle.json`` (``normal_range``); for a bundle built before
that existed::

    model-build normal-range service/bundles/en-de \\
        --train ../shared/data/multi30k/train.en.gz --dev ../shared/data/multi30k/val.en.gz
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from bundle import (
    PIECES_MIN_WORDS,
    Manifest,
    NormalRange,
    pieces_per_word,
    read_manifest,
    words_in,
    write_manifest,
)

log = logging.getLogger(__name__)

_DEV_BATCH = 32


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile of `values` (nearest rank on the sorted values; no numpy needed)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))])


def measure(
    bundle_dir: Path, manifest: Manifest, train_sources: Iterable[str], dev_sources: list[str]
) -> NormalRange:
    """Token lengths of `train_sources`, and ratios and scores of the bundle's own dev output."""
    import ctranslate2
    import sentencepiece as spm

    source = spm.SentencePieceProcessor(model_file=str(bundle_dir / manifest.tokenizer.source_spm))
    prefix = list(manifest.tokenizer.source_prefix)

    def tokens(sentence: str) -> list[str]:
        return [*prefix, *source.encode(sentence, out_type=str), "</s>"]

    train_pieces = [source.encode(s, out_type=str) for s in train_sources if s.strip()]
    train_lengths = [len(prefix) + len(pieces) + 1 for pieces in train_pieces]
    per_word = [pieces_per_word(p) for p in train_pieces if words_in(p) >= PIECES_MIN_WORDS]
    translator = ctranslate2.Translator(str(bundle_dir / manifest.model.path), device="cpu")
    target_prefix = list(manifest.tokenizer.target_prefix)
    ratios: list[float] = []
    scores: list[float] = []
    for start in range(0, len(dev_sources), _DEV_BATCH):
        batch = [tokens(s) for s in dev_sources[start : start + _DEV_BATCH]]
        results = translator.translate_batch(
            batch,
            target_prefix=[target_prefix] * len(batch) if target_prefix else None,
            beam_size=manifest.model.beam_size,
            max_decoding_length=manifest.model.max_output_tokens or manifest.model.max_input_tokens,
            return_scores=True,
            use_vmap=manifest.model.vocabulary_map is not None,
        )
        for tokens_in, result in zip(batch, results, strict=True):
            out = len(result.hypotheses[0]) - len(target_prefix)
            ratios.append(out / len(tokens_in))
            scores.append(float(result.scores[0]))
    return NormalRange(
        source_tokens_p50=quantile(train_lengths, 0.5),
        source_tokens_p99=quantile(train_lengths, 0.99),
        source_tokens_max=max(train_lengths),
        ratio_p01=round(quantile(ratios, 0.01), 4),
        ratio_p99=round(quantile(ratios, 0.99), 4),
        score_p05=round(quantile(scores, 0.05), 4),
        score_p50=round(quantile(scores, 0.5), 4),
        pieces_per_word_p99=round(quantile(per_word, 0.99), 4),
        measured_on=f"{len(train_lengths)} training sources, {len(dev_sources)} dev sentences",
    )


def read_text_lines(path: Path) -> list[str]:
    """Lines of a plain or gzipped text file, without their line ends."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle]


def update_bundle(bundle_dir: Path, train: Sequence[Path], dev: Path) -> NormalRange:
    """Measure and write the normal range into an existing bundle's manifest."""
    manifest = read_manifest(bundle_dir)
    train_sources = (line for path in train for line in read_text_lines(path))
    dev_sources = [line for line in read_text_lines(dev) if line.strip()]
    normal = measure(bundle_dir, manifest, train_sources, dev_sources)
    write_manifest(bundle_dir, manifest.model_copy(update={"normal_range": normal}))
    log.info("normal range of %s: %s", bundle_dir, normal.model_dump())
    return normal
