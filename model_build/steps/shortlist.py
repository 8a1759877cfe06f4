"""shortlist: a vocabulary map that restricts the student's output layer to likely tokens.

Usage: `model-build shortlist CONFIG`. Writes::

    <work>/shortlist/
      vmap.txt    # CTranslate2 vocabulary map: `source piece<TAB>target pieces`; the first
                  # line has an empty source side: the target pieces every batch may emit
      done.json   # entries, pieces per source piece, the always-allowed pieces

Half of a tiny decoder's multiply-adds are its 8k-way output layer. With the map (passed to
the convert step as `vocab_mapping`, served with `use_vmap=True`) CTranslate2 scores only the
union of the batch's source pieces' candidates and the always-allowed ones.

The candidates come from the student's own training pairs, both sides cut into the student's
SentencePiece pieces: for each source piece the `top_k` target pieces by Dice coefficient of
sentence co-occurrence, `2 C(s, t) / (C(s) + C(t))`, among pairs seen `min_count` times; and
the `frequent` most frequent target pieces for every batch (function words, punctuation), and
the pieces the service's placeholder sentinels are written with.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from model_build.config import BuildConfig, ShortlistConfig
from model_build.steps import vocab
from model_build.workdir import Artifact, WorkDir, fingerprint

log = logging.getLogger(__name__)

MAP_NAME = "vmap.txt"
# Sentences whose co-occurring piece pairs are counted together (bounds the memory).
_CHUNK_SENTENCES = 5000

Ids = npt.NDArray[np.int64]
_SENTINEL_CHARACTERS = frozenset("▁[]0123456789")


def step_fingerprint(config: BuildConfig, work: WorkDir) -> str:
    return fingerprint(
        "shortlist",
        config.shortlist,
        vocab.student_data_fingerprint(config, work),
        work.upstream("vocab"),
    )


def run(config: BuildConfig, work: WorkDir, force: bool = False) -> Artifact:
    vocab_dir, _ = work.require("vocab")
    sources, targets = vocab.student_pairs(config, work)
    return work.run_step(
        "shortlist",
        step_fingerprint(config, work),
        lambda out: build_map_file(
            config.shortlist,
            vocab_dir / "source.spm",
            vocab_dir / "target.spm",
            sources,
            targets,
            out / MAP_NAME,
        ),
        force,
    )


@dataclass(frozen=True)
class Shortlist:
    """Target candidates per source piece, and the pieces every batch may emit."""

    always: list[str]
    candidates: dict[str, list[str]]

    def lines(self) -> Iterable[str]:
        """The map file's lines; the empty source side first (CTranslate2's fixed candidates)."""
        yield "\t" + " ".join(self.always)
        for source, targets in self.candidates.items():
            yield f"{source}\t{' '.join(targets)}"


def build_map_file(
    config: ShortlistConfig,
    source_spm: Path,
    target_spm: Path,
    sources: list[str],
    targets: list[str],
    path: Path,
) -> dict[str, Any]:
    """Cut both sides into the student's pieces, build the shortlist and write the map."""
    import sentencepiece as spm

    source_pieces = spm.SentencePieceProcessor(model_file=str(source_spm))
    target_pieces = spm.SentencePieceProcessor(model_file=str(target_spm))
    shortlist = lexical_shortlist(
        source_pieces.encode(sources, out_type=str),
        target_pieces.encode(targets, out_type=str),
        config,
        sentinel_pieces(target_pieces),
    )
    write_map(shortlist, path)
    sizes = [len(targets) for targets in shortlist.candidates.values()]
    log.info(
        "shortlist: %d source pieces, %d always-allowed target pieces",
        len(sizes),
        len(shortlist.always),
    )
    return {
        "sentences": len(sources),
        "source_pieces": len(sizes),
        "always": len(shortlist.always),
        "mean_candidates": round(sum(sizes) / len(sizes), 1) if sizes else 0.0,
        "top_k": config.top_k,
        "frequent": config.frequent,
    }


def sentinel_pieces(processor: Any) -> list[str]:
    """Every piece made of brackets and digits only: what the service's placeholder sentinels
    (``[1]``, ``[12]``) are written with. A student that keeps placeholders must be allowed to
    write them in every batch, however rare they are in its training pairs."""
    pieces = (processor.id_to_piece(i) for i in range(processor.get_piece_size()))
    return [p for p in pieces if p.strip("▁") and set(p) <= _SENTINEL_CHARACTERS]


def add_to_bundle(bundle: Path, map_file: Path, output: Path) -> Path:
    """A copy of a sealed bundle that carries `map_file` as its shortlist, declared and sealed
    (the source bundle is never changed)."""
    import shutil

    from bundle import open_verified, seal
    from bundle.manifest import VOCABULARY_MAP_NAME

    manifest = open_verified(bundle)
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(bundle, output)
    shutil.copy(map_file, output / manifest.model.path / VOCABULARY_MAP_NAME)
    model = manifest.model.model_copy(
        update={"vocabulary_map": f"{manifest.model.path}/{VOCABULARY_MAP_NAME}"}
    )
    seal(output, manifest.model_copy(update={"model": model}))
    return output


def write_map(shortlist: Shortlist, path: Path) -> Path:
    path.write_text("".join(line + "\n" for line in shortlist.lines()), encoding="utf-8")
    return path


def lexical_shortlist(
    source_sentences: Sequence[Sequence[str]],
    target_sentences: Sequence[Sequence[str]],
    config: ShortlistConfig,
    required: Sequence[str] = (),
) -> Shortlist:
    """Top-k target pieces by Dice per source piece, plus the most frequent target pieces and
    the `required` ones."""
    frequency = Counter(piece for sentence in target_sentences for piece in sentence)
    always = [piece for piece, _ in frequency.most_common(config.frequent)]
    always += sorted(set(required) - set(always))
    table = dice_table(source_sentences, target_sentences, config.min_count)
    chosen = _top_per_group(table.source_of, table.dice, config.top_k)
    candidates: dict[str, list[str]] = {}
    for source, target in zip(table.source_of[chosen], table.target_of[chosen], strict=True):
        candidates.setdefault(table.source_names[source], []).append(table.target_names[target])
    return Shortlist(always, candidates)


@dataclass(frozen=True)
class DiceTable:
    """Every (source, target) pair seen together in a sentence pair, with its Dice coefficient
    ``2 C(s, t) / (C(s) + C(t))``; `source_of`/`target_of` index the names."""

    source_names: list[str]
    target_names: list[str]
    source_of: Ids
    target_of: Ids
    dice: npt.NDArray[np.float64]


def dice_table(
    source_sentences: Sequence[Sequence[str]],
    target_sentences: Sequence[Sequence[str]],
    min_count: int = 1,
) -> DiceTable:
    """Sentence co-occurrence statistics of two sides (pieces, or words), pairs seen together at
    least `min_count` times."""
    source_ids, source_names = _index(source_sentences)
    target_ids, target_names = _index(target_sentences)
    pairs, together = _cooccurrences(source_ids, target_ids, len(target_names))
    source_of, target_of = pairs // len(target_names), pairs % len(target_names)
    source_count = _sentence_counts(source_ids, len(source_names))
    target_count = _sentence_counts(target_ids, len(target_names))
    dice = 2 * together / (source_count[source_of] + target_count[target_of])
    kept = together >= min_count
    return DiceTable(source_names, target_names, source_of[kept], target_of[kept], dice[kept])


def _index(sentences: Sequence[Sequence[str]]) -> tuple[list[Ids], list[str]]:
    """Each sentence as the sorted ids of its distinct pieces, and the id → piece table."""
    ids: dict[str, int] = {}
    encoded = [
        np.unique(np.array([ids.setdefault(piece, len(ids)) for piece in sentence], np.int64))
        for sentence in sentences
    ]
    return encoded, list(ids)


def _sentence_counts(sentences: list[Ids], size: int) -> Ids:
    """In how many sentences each id occurs."""
    if not sentences:
        return np.zeros(size, np.int64)
    return np.bincount(np.concatenate(sentences), minlength=size).astype(np.int64)


def _cooccurrences(sources: list[Ids], targets: list[Ids], target_size: int) -> tuple[Ids, Ids]:
    """Every (source, target) id pair seen in one sentence pair, as `s * target_size + t`,
    with the number of sentence pairs it was seen in."""
    keys: list[Ids] = []
    counts: list[Ids] = []
    for start in range(0, len(sources), _CHUNK_SENTENCES):
        chunk = [
            np.add.outer(source * target_size, target).ravel()
            for source, target in zip(
                sources[start : start + _CHUNK_SENTENCES],
                targets[start : start + _CHUNK_SENTENCES],
                strict=True,
            )
        ]
        if chunk:
            key, count = np.unique(np.concatenate(chunk), return_counts=True)
            keys.append(key)
            counts.append(count.astype(np.int64))
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return _sum_by_key(np.concatenate(keys), np.concatenate(counts))


def _sum_by_key(keys: Ids, counts: Ids) -> tuple[Ids, Ids]:
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=counts).astype(np.int64)


def _top_per_group(groups: Ids, scores: npt.NDArray[np.float64], k: int) -> Ids:
    """Positions of the k best scores of each group, groups ascending, best first."""
    if len(groups) == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort((-scores, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return order[rank < k]
