"""vocab: the student's own SentencePiece vocabulary, trained on its training pairs.

Usage: `model-build vocab CONFIG`. Writes::

    <work>/vocab/
      source.spm target.spm   # the same model twice when `vocab.joint`, else one per side
      vocab.json              # Marian/OPUS-MT ids: </s>=0, <unk>=1, pieces of both, <pad> last

A small vocabulary is a large part of the student's speed (embedding and softmax sizes).
When the student learns placeholders (`augment.placeholders`), the vocabulary carries the
sentinel's brackets as pieces of their own: caption text has no ``[`` or ``]``, so a vocabulary
learnt from it alone encodes them as ``<unk>`` and the student can only write ``⁇1⁇``, which the
service can never read back (docs/build.md, "The experiment, measured").
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from model_build.config import BuildConfig, VocabConfig
from model_build.workdir import Artifact, WorkDir, fingerprint, read_lines

log = logging.getLogger(__name__)


def training_pairs(config: BuildConfig, work: WorkDir) -> tuple[list[str], list[str]]:
    """What the student learns from: the teacher's translations, or references (baseline)."""
    if config.train.data == "references":
        folder, _ = work.require("prepare")
        pairs = [
            (s, t)
            for s, t in zip(
                read_lines(folder / "train.src"), read_lines(folder / "train.ref"), strict=True
            )
            if t
        ]
        return [s for s, _ in pairs], [t for _, t in pairs]
    folder, _ = work.require("distill")
    return read_lines(folder / "train.src"), read_lines(folder / "train.tgt")


def data_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    upstream = "prepare" if config.train.data == "references" else "distill"
    return fingerprint(config.train.data, work.upstream(upstream))


def student_pairs(config: BuildConfig, work: WorkDir) -> tuple[list[str], list[str]]:
    """What the student trains on: the training pairs, and copies with placeholder sentinels
    when `augment.placeholders` asks for them (the vocabulary learns from the pairs alone)."""
    sources, targets = training_pairs(config, work)
    if not config.augment.placeholders:
        return sources, targets
    from model_build.placeholders import with_placeholders

    return with_placeholders(sources, targets, config.augment)


def student_data_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    if not config.augment.placeholders:
        return data_fingerprint(config, work)
    return fingerprint(config.augment, data_fingerprint(config, work))


def required_symbols(config: BuildConfig) -> tuple[str, ...]:
    """Pieces the vocabulary must have whatever its text: the sentinels' brackets, when the
    student is taught placeholders (and the digits, where the text has none: `_with_digits`)."""
    if not config.augment.placeholders:
        return ()
    from model_build.placeholders import SENTINEL_BRACKETS

    return SENTINEL_BRACKETS


def step_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    symbols = required_symbols(config)
    return fingerprint(
        "vocab", config.vocab, *([symbols] if symbols else []), data_fingerprint(config, work)
    )


def run(config: BuildConfig, work: WorkDir, force: bool = False) -> Artifact:
    sources, targets = training_pairs(config, work)
    symbols = required_symbols(config)
    return work.run_step(
        "vocab",
        step_fingerprint(config, work),
        lambda out: build_vocabulary(config.vocab, sources, targets, out, symbols),
        force,
    )


def train_spm(
    lines: list[str], prefix: Path, config: VocabConfig, symbols: tuple[str, ...] = ()
) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_prefix=str(prefix),
        vocab_size=config.size,
        model_type=config.model_type,
        character_coverage=config.character_coverage,
        input_sentence_size=config.input_sentence_size,
        shuffle_input_sentence=True,
        hard_vocab_limit=False,
        user_defined_symbols=list(symbols),
        minloglevel=2,
    )
    prefix.with_suffix(".vocab").unlink()
    return prefix.with_suffix(".model")


def marian_vocab(spm_models: list[Path]) -> dict[str, int]:
    """OPUS-MT layout: </s>=0, <unk>=1, then every non-control piece, <pad> last."""
    import sentencepiece as spm

    vocab = {"</s>": 0, "<unk>": 1}
    for model in spm_models:
        processor = spm.SentencePieceProcessor(model_file=str(model))
        for index in range(processor.get_piece_size()):
            piece = processor.id_to_piece(index)
            if piece not in vocab and not processor.is_control(index):
                vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


def _with_digits(symbols: tuple[str, ...], lines: list[str]) -> tuple[str, ...]:
    """The symbols, and each digit the text never has: a sentinel is written with all ten."""
    seen = set().union(*map(set, lines))
    return symbols + tuple(digit for digit in "0123456789" if digit not in seen)


def build_vocabulary(
    config: VocabConfig,
    sources: list[str],
    targets: list[str],
    out: Path,
    symbols: tuple[str, ...],
) -> dict[str, Any]:
    symbols = _with_digits(symbols, sources + targets) if symbols else ()
    if config.joint:
        joint = train_spm(sources + targets, out / "joint", config, symbols)
        shutil.copy(joint, out / "source.spm")
        joint.rename(out / "target.spm")
    else:
        train_spm(sources, out / "source", config, symbols).rename(out / "source.spm")
        train_spm(targets, out / "target", config, symbols).rename(out / "target.spm")
    vocab = marian_vocab([out / "source.spm", out / "target.spm"])
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    log.info("vocab: %d entries (joint=%s)", len(vocab), config.joint)
    return {
        "size": len(vocab),
        "joint": config.joint,
        "sentences": len(sources),
        "symbols": list(symbols),
    }
