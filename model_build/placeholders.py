"""Training pairs with placeholder sentinels, so the student learns to carry them through.

The service shows the model every placeholder and inline tag as a sentinel ``[k]`` (numbered from
1 in each sentence, ``service/text/_placeholders.py``): ``Click <b>here</b> to continue.`` reaches
the model as ``Click [1]here[2] to continue.``. A student that never saw one in training breaks
such a sentence apart, and the service falls back to translating the pieces between the
placeholders one by one. Here a share of the training pairs is added again with sentinels put
in the same place on both sides, the way the Bergamot pipeline carries inline tags through:

- around a phrase of one to `longest_span` words (``[1]red shirt[2]``: an inline tag),
- in place of a word (``[1]``: ``{name}``, ``%d``),
- before a word (``[1] dogs``: ``%d new messages``; or glued, ``[1]dogs``: ``<br/>dogs``),
- at the start of the sentence, or at its end before the full stop (where the service shows a
  placeholder that ends a sentence: one after the full stop starts the next).

"The same place" needs a word alignment: a source word and a target word that are each other's
best translation in the pair, by Dice coefficient of sentence co-occurrence over the whole
corpus (the statistics the shortlist uses), each occurring once in its sentence. The edges need
none. Deterministic for a seed: the same corpus and config give the same pairs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from model_build.config import AugmentConfig
from model_build.steps.shortlist import dice_table

_WORD = re.compile(r"^(\W*)(\w.*?\w|\w)(\W*)$")
"""A whitespace token: leading punctuation, the word, trailing punctuation."""

SENTINEL_BRACKETS = ("[", "]")
"""What a sentinel is made of besides digits: pieces the student's vocabulary must have."""

# Temporary marks, renumbered in source order at the end: ``_OPEN + chr(_BASE + id) + _CLOSE``.
_OPEN, _CLOSE, _BASE = "\ue000", "\ue001", 0xE100
_MARK = re.compile(f"{_OPEN}(.){_CLOSE}")


@dataclass(frozen=True)
class Token:
    """One whitespace token of a sentence, split around its word (empty when it has none)."""

    before: str
    word: str
    after: str

    @classmethod
    def of(cls, text: str) -> Token:
        match = _WORD.match(text)
        if match is None:
            return cls(text, "", "")
        return cls(match.group(1), match.group(2), match.group(3))

    @property
    def key(self) -> str:
        return self.word.lower()


def tokens(text: str) -> list[Token]:
    return [Token.of(part) for part in text.split()]


def with_placeholders(
    sources: Sequence[str], targets: Sequence[str], config: AugmentConfig
) -> tuple[list[str], list[str]]:
    """The pairs, followed by `config.placeholders` × their number of copies with sentinels."""
    source_tokens = [tokens(s) for s in sources]
    target_tokens = [tokens(s) for s in targets]
    best = best_translations(source_tokens, target_tokens, config.min_dice)
    rng = random.Random(config.seed)
    candidates = [i for i in range(len(sources)) if source_tokens[i] and target_tokens[i]]
    count = round(config.placeholders * len(sources))
    chosen = sorted(rng.sample(candidates, min(count, len(candidates))))
    extra = [_augment(source_tokens[i], target_tokens[i], best, rng, config) for i in chosen]
    return list(sources) + [s for s, _ in extra], list(targets) + [t for _, t in extra]


def best_translations(
    sources: Sequence[Sequence[Token]], targets: Sequence[Sequence[Token]], min_dice: float
) -> dict[tuple[str, str], float]:
    """Dice of every (source word, target word) pair seen together, at least `min_dice`."""
    source_words = [[t.key for t in sentence if t.word] for sentence in sources]
    target_words = [[t.key for t in sentence if t.word] for sentence in targets]
    table = dice_table(source_words, target_words)
    return {
        (table.source_names[s], table.target_names[t]): float(d)
        for s, t, d in zip(table.source_of, table.target_of, table.dice, strict=True)
        if d >= min_dice
    }


def aligned_words(
    source: Sequence[Token], target: Sequence[Token], best: dict[tuple[str, str], float]
) -> list[tuple[int, int]]:
    """(source index, target index) of words that are each other's best translation in the pair,
    each occurring once on its side."""
    source_once = _once(source)
    target_once = _once(target)
    scores = {
        (i, j): best[(source[i].key, target[j].key)]
        for i in source_once
        for j in target_once
        if (source[i].key, target[j].key) in best
    }
    best_of_source: dict[int, tuple[float, int]] = {}
    best_of_target: dict[int, tuple[float, int]] = {}
    for (i, j), score in scores.items():
        best_of_source[i] = max(best_of_source.get(i, (0.0, -1)), (score, j))
        best_of_target[j] = max(best_of_target.get(j, (0.0, -1)), (score, i))
    return sorted((i, j) for i, (_, j) in best_of_source.items() if best_of_target[j][1] == i)


def _once(tokens: Sequence[Token]) -> list[int]:
    keys = [t.key for t in tokens]
    return [i for i, t in enumerate(tokens) if t.word and keys.count(t.key) == 1]


def _augment(
    source: Sequence[Token],
    target: Sequence[Token],
    best: dict[tuple[str, str], float],
    rng: random.Random,
    config: AugmentConfig,
) -> tuple[str, str]:
    """One pair with 1 to `config.max_placeholders` placeholders put in corresponding places on
    both sides; a tag pair is one placeholder of two sentinels, around a phrase of up to
    `config.longest_span` words."""
    src = [[t.before, t.word, t.after] for t in source]
    tgt = [[t.before, t.word, t.after] for t in target]
    order = aligned_words(source, target, best)
    partner = dict(order)  # one-to-one: each word is aligned at most once
    rng.shuffle(order)
    used_source: set[int] = set()
    used_target: set[int] = set()
    edges: list[str] = []
    marks = 0

    def mark() -> str:
        nonlocal marks
        marks += 1
        return f"{_OPEN}{chr(_BASE + marks)}{_CLOSE}"

    for _ in range(rng.randint(1, config.max_placeholders)):
        free = [(i, j) for i, j in order if i not in used_source and j not in used_target]
        kind = rng.choice(("wrap", "replace", "before", "edge") if free else ("edge",))
        if kind == "edge":
            edges.append(rng.choice(("start", "start-glued", "end")))
            continue
        i, j = free[0]
        (i0, i1), (j0, j1) = (i, i), (j, j)
        if kind == "wrap":
            length = rng.randint(1, config.longest_span)
            phrases = (aligned_phrase(*p, partner, length, used_source, used_target) for p in free)
            (i0, i1), (j0, j1) = next(
                (p for p in phrases if p[0][1] - p[0][0] == length - 1), ((i0, i1), (j0, j1))
            )
            opening, closing = mark(), mark()
            for words, first, last in ((src, i0, i1), (tgt, j0, j1)):
                words[first][1] = opening + words[first][1]
                words[last][1] += closing
        elif kind == "replace":
            src[i][1] = tgt[j][1] = mark()
        else:  # "{name} dogs", or glued as "<br/>dogs" reaches the model
            placeholder = mark() + rng.choice(("", " "))
            src[i][0] = placeholder + src[i][0]
            tgt[j][0] = placeholder + tgt[j][0]
        used_source.update(range(i0, i1 + 1))
        used_target.update(range(j0, j1 + 1))
    for edge in edges:
        placeholder = mark()
        for sentence in (src, tgt):
            if edge == "end":  # before the full stop: the service cuts a sentence after it
                sentence[-1][2] = " " + placeholder + sentence[-1][2]
            else:
                sentence[0][0] = (
                    placeholder + ("" if edge == "start-glued" else " ") + sentence[0][0]
                )
    return _numbered(_join(src), _join(tgt))


def aligned_phrase(
    i: int,
    j: int,
    partner: Mapping[int, int],
    length: int,
    used_source: set[int],
    used_target: set[int],
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The source words ``i..i+length-1`` and the target words between their ends' partners
    (`partner`: source word -> its aligned target word),
    when they translate each other as a phrase (both ends aligned, no word inside aligned
    outside, none marked yet, the target at most two words longer); else the word pair alone.

    A tag around ``red shirt`` must wrap ``roten Hemd`` whole: a span whose words align across
    its edges would teach the student to split what the tag holds."""
    alone = (i, i), (j, j)
    last = i + length - 1
    if length == 1 or last not in partner:
        return alone
    j0, j1 = sorted((j, partner[last]))
    inside_source = range(i, last + 1)
    inside_target = range(j0, j1 + 1)
    consistent = all((a in inside_source) == (b in inside_target) for a, b in partner.items())
    unmarked = used_source.isdisjoint(inside_source) and used_target.isdisjoint(inside_target)
    if consistent and unmarked and len(inside_target) <= length + 2:
        return (i, last), (j0, j1)
    return alone


def _join(tokens: list[list[str]]) -> str:
    return " ".join("".join(parts) for parts in tokens)


def _numbered(source: str, target: str) -> tuple[str, str]:
    """Temporary marks → sentinels ``[1]``, ``[2]``, ... in source order, as the service numbers
    them; the target's follow the source's."""
    numbers: dict[str, int] = {}
    for match in _MARK.finditer(source):
        numbers[match.group(1)] = len(numbers) + 1

    def sentinel(match: re.Match[str]) -> str:
        opening, closing = SENTINEL_BRACKETS
        return f"{opening}{numbers[match.group(1)]}{closing}"

    return _MARK.sub(sentinel, source), _MARK.sub(sentinel, target)
