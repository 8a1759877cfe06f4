"""Placeholder augmentation: copies of training pairs with the service's sentinels put in
corresponding places on both sides, so the student learns to carry them through."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from model_build.config import AugmentConfig, ShortlistConfig, VocabConfig
from model_build.placeholders import (
    SENTINEL_BRACKETS,
    aligned_phrase,
    aligned_words,
    best_translations,
    tokens,
    with_placeholders,
)
from model_build.steps.shortlist import lexical_shortlist, sentinel_pieces
from model_build.steps.vocab import build_vocabulary
from service.text._placeholders import MARK, fill_sentinels, to_model_input
from tests.factories import caption_pairs, train_spm
from tests.model_build.test_train_budget import train_references

SENTINEL = re.compile(r"\[(\d+)\]")


def augmented(share: float = 0.5, seed: int = 1) -> tuple[list[str], list[str], int]:
    pairs = caption_pairs()
    sources, targets = with_placeholders(
        [en for en, _ in pairs],
        [de for _, de in pairs],
        AugmentConfig(placeholders=share, seed=seed),
    )
    return sources, targets, len(pairs)


def test_the_pairs_stay_and_a_share_of_them_comes_again_with_sentinels() -> None:
    sources, targets, original = augmented(share=0.25)
    pairs = caption_pairs()
    assert list(zip(sources[:original], targets[:original], strict=True)) == pairs
    extra = list(zip(sources[original:], targets[original:], strict=True))
    assert len(extra) == round(0.25 * original)
    assert all(SENTINEL.search(source) and SENTINEL.search(target) for source, target in extra)


def test_both_sides_carry_the_same_sentinels_numbered_from_one_in_source_order() -> None:
    sources, targets, original = augmented()
    for source, target in zip(sources[original:], targets[original:], strict=True):
        numbers = [int(n) for n in SENTINEL.findall(source)]
        assert numbers == list(range(1, len(numbers) + 1))
        assert sorted(int(n) for n in SENTINEL.findall(target)) == numbers
        assert 1 <= len(numbers) <= 6  # three placeholders at most, a tag pair has two


def test_a_sentinel_pair_is_what_the_service_sends_for_markup_and_fills_back() -> None:
    """The training side looks like the service's model input: ``[1]word[2]`` for a tag pair."""
    sources, targets, original = augmented()
    wrapped = [
        (s, t)
        for s, t in zip(sources[original:], targets[original:], strict=True)
        if re.search(r"\[1\]\w+\[2\]", s)
    ]
    assert wrapped
    source, target = wrapped[0]
    word = re.search(r"\[1\](\w+)\[2\]", source)
    assert word is not None
    masked = source.replace("[1]", MARK, 1).replace("[2]", MARK, 1)
    assert to_model_input(masked) == source
    filled = fill_sentinels(target, ["<b>", "</b>", "{x}", "%d"][: len(SENTINEL.findall(source))])
    assert filled is not None and re.search(r"<b>\w+</b>", filled)


def test_a_tag_pair_wraps_a_phrase_only_where_its_words_translate_each_other_as_one() -> None:
    # A man in sunglasses puts ... / Ein Mann mit Sonnenbrille legt ...
    aligned = {1: 1, 3: 3, 4: 4}
    assert aligned_phrase(1, 1, aligned, 3, set(), set()) == ((1, 3), (1, 3))
    alone = ((1, 1), (1, 1))
    assert aligned_phrase(1, 1, aligned, 2, set(), set()) == alone  # "in" has no partner
    assert aligned_phrase(1, 1, {**aligned, 2: 6}, 3, set(), set()) == alone  # "in" aligns out
    assert aligned_phrase(1, 1, aligned, 3, {2}, set()) == alone  # a word already marked
    assert aligned_phrase(1, 1, {1: 1, 2: 9}, 2, set(), set()) == alone  # 9 words long
    assert aligned_phrase(1, 3, {1: 3, 2: 1}, 2, set(), set()) == ((1, 2), (1, 3))  # reversed


def test_augmented_tag_pairs_wrap_phrases_of_several_words_on_both_sides() -> None:
    sources, targets, original = augmented()
    phrase = re.compile(r"\[(\d+)\]\w+(?: \w+)+\[(\d+)\]")
    wrapped = [
        (match, target)
        for source, target in zip(sources[original:], targets[original:], strict=True)
        if (match := phrase.search(source))
    ]
    assert wrapped
    for match, target in wrapped:
        opening, closing = match.groups()
        assert re.search(rf"\[{opening}\]\w[^\[]*\[{closing}\]", target), (match, target)


def test_words_are_aligned_only_with_their_best_translation_in_the_pair() -> None:
    pairs = caption_pairs()
    sources = [tokens(en) for en, _ in pairs]
    targets = [tokens(de) for _, de in pairs]
    best = best_translations(sources, targets, min_dice=0.3)
    source = tokens("A dog is running in the park.")
    target = tokens("Ein Hund läuft im Park.")
    aligned = {(source[i].word, target[j].word) for i, j in aligned_words(source, target, best)}
    assert ("dog", "Hund") in aligned and ("running", "läuft") in aligned
    assert ("park", "Park") in aligned  # the word, without its full stop
    assert all(
        target_word != "Hund" for source_word, target_word in aligned if source_word != "dog"
    )


def test_the_same_seed_gives_the_same_pairs_and_another_seed_others() -> None:
    assert augmented(seed=3) == augmented(seed=3)
    assert augmented(seed=3)[0] != augmented(seed=4)[0]


def test_no_share_adds_nothing() -> None:
    sources, targets, original = augmented(share=0.0)
    assert len(sources) == len(targets) == original


def test_the_shortlist_always_allows_the_pieces_sentinels_are_written_with(tmp_path: Path) -> None:
    """Captions never contain brackets; without this a student with the map could not write
    ``[1]`` at all, and every sentence with a placeholder would fall back."""
    pairs = caption_pairs()
    model = train_spm([en for en, _ in pairs] + [de for _, de in pairs] + ["[1] [2] [3]"] * 5,
                      tmp_path / "joint")  # fmt: skip
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model))
    required = sentinel_pieces(processor)
    written = {p for text in ("[1]", "x[2]", "[3] y") for p in processor.encode(text, out_type=str)}
    assert written - {"▁x", "▁y", "x", "y", "▁"} <= set(required)
    shortlist = lexical_shortlist(
        [en.split() for en, _ in pairs], [de.split() for _, de in pairs],
        ShortlistConfig(frequent=3), required,
    )  # fmt: skip
    assert set(required) <= set(shortlist.always)
    assert len(shortlist.always) == 3 + len(set(required))


@pytest.mark.slow
def test_the_student_trains_on_the_pairs_and_their_copies_with_sentinels(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    plain = train_references(tmp_path / "plain", tiny_teacher, caption_files)
    work = train_references(
        tmp_path / "augmented", tiny_teacher, caption_files, augment__placeholders=0.5
    )
    sentences = (plain.done("train") or {})["summary"]["sentences"]
    assert (work.done("train") or {})["summary"]["sentences"] == sentences + round(0.5 * sentences)
    assert bracket_ids(work.path("vocab") / "source.spm") != bracket_ids(
        plain.path("vocab") / "source.spm"
    )
    assert (work.done("train") or {})["fingerprint"] != (plain.done("train") or {})["fingerprint"]


def bracket_ids(model: Path) -> tuple[int, int]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model))
    return processor.piece_to_id("["), processor.piece_to_id("]")


@pytest.mark.parametrize("symbols", [(), SENTINEL_BRACKETS])
def test_the_vocabulary_has_the_sentinel_brackets_when_the_student_learns_placeholders(
    tmp_path: Path, symbols: tuple[str, ...]
) -> None:
    """Captions have no brackets: learnt from them alone, ``[`` and ``]`` are ``<unk>``, and a
    student can only write ``⁇1⁇``, which the service never reads back as a sentinel."""
    pairs = caption_pairs()
    build_vocabulary(
        VocabConfig(size=150), [en for en, _ in pairs], [de for _, de in pairs], tmp_path, symbols
    )
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(tmp_path / "target.spm"))
    first, second, *rest = pairs[0][1].split()
    sentence = " ".join([first, f"[1]{second}[2]", *rest])
    pieces = processor.encode(sentence)
    assert (processor.unk_id() in pieces) == (not symbols)
    assert processor.decode(pieces) == sentence or not symbols
    vocab = json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8"))
    assert all(bracket in vocab for bracket in symbols)
