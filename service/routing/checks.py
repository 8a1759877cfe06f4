"""Checks of one translated sentence against the bundle's normal range.

Each check names a way a small student fails silently outside its domain:

- ``low_score``: its mean token log-probability is below the 5th percentile of its own dev
  translations (out-of-domain input decodes with low probability: "Hello" scores -1.27 with
  the embedded student, a caption about -0.1);
- ``length_ratio``: output tokens per input token far outside the dev range (a long run-on
  sentence comes back with most of its content dropped; a loop writes far too much);
- ``repetition``: a character or short group repeated far more often in a row than anywhere in
  the source ("Bahnsssss", "GOOOOO", "oder oder oder");
- ``truncated``: decoding stopped at the length bound instead of at an end marker;
- ``unfamiliar_words``: the source's words fall apart into more SentencePiece pieces than 99%
  of the training sources' do (``normal_range.pieces_per_word_p99``): text of another domain,
  seen before any decoding. It catches what the score misses ("Click Save to keep your
  changes." scores like a caption, -0.37, but its words split 2.0 pieces each, captions' 1.1),
  and it is the same on every CPU: tokenizing involves no floating point.

Bundles without a normal range get only ``repetition`` and ``truncated``; bundles built before
``pieces_per_word_p99`` existed get no ``unfamiliar_words``. The score threshold is read in
one place (`score_threshold`): the bundle's calibrated ``routing.threshold`` when its signal
is the mean log-probability (what the service measures), else ``normal_range.score_p05``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bundle import PIECES_MIN_WORDS, Manifest, NormalRange, pieces_per_word, words_in
from service.engine.translator import TranslatedSentence

# How far outside the dev range a length ratio must be to count (short inputs are noisy).
RATIO_SLACK = 1.5
MIN_TOKENS_FOR_RATIO = 6
# A unit of 1-10 characters (a letter, a syllable, a short word and its space) repeated this
# many times in a row, and more often than anywhere in the source.
REPETITION_RUN = 5
_REPEAT = re.compile(r"(.{1,10}?)\1+", re.DOTALL)
# Share of the student's own dev translations below score_p05: 5% by definition.
DEV_LOW_SHARE = 0.05
SERVED_SIGNAL = "mean_logprob"


@dataclass(frozen=True)
class SentenceCheck:
    """The verdict on one translated sentence."""

    confidence: float  # exp(score): the geometric mean of the token probabilities, 0-1
    reasons: tuple[str, ...]

    @property
    def low(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class Flag:
    """One flagged sentence of a text, and whether the teacher's translation replaced it."""

    sentence: str
    reasons: tuple[str, ...]
    escalated: bool = False


@dataclass(frozen=True)
class TextQuality:
    """The verdict on one text: its least confident sentence and the flagged ones."""

    confidence: float
    flagged: list[Flag]

    @property
    def low_confidence(self) -> bool:
        return bool(self.flagged)


def longest_repeat(text: str) -> int:
    """Most consecutive repetitions of one unit of 1-10 characters ("aaaa" -> 4, "abab" -> 2).

    Linear: each match consumes its whole run, and a unit has at most ten lengths to try.
    """
    best = 1
    for match in _REPEAT.finditer(text):
        best = max(best, len(match.group()) // len(match.group(1)))
    return best


def score_threshold(manifest: Manifest) -> float | None:
    """Scores below this are ``low_score``: the one place the threshold comes from."""
    routing = manifest.routing
    if routing is not None and routing.signal == SERVED_SIGNAL:
        return routing.threshold
    return None if manifest.normal_range is None else manifest.normal_range.score_p05


def dev_low_share(manifest: Manifest) -> float:
    """The share of in-domain sentences expected below `score_threshold` (the alert's base)."""
    routing = manifest.routing
    if routing is not None and routing.signal == SERVED_SIGNAL:
        return routing.dev_escalated
    return 0.0 if manifest.normal_range is None else DEV_LOW_SHARE


def check_sentence(
    source: str,
    input_tokens: int,
    out: TranslatedSentence,
    normal: NormalRange | None,
    threshold: float | None = None,
    source_pieces: list[str] | None = None,
) -> SentenceCheck:
    """`threshold`: the bundle's `score_threshold` (None: ``normal.score_p05``);
    `source_pieces`: the source's SentencePiece pieces without placeholders, prefix or end
    marker (None: not checked)."""
    reasons: list[str] = []
    if threshold is None and normal is not None:
        threshold = normal.score_p05
    if threshold is not None and out.score < threshold:
        reasons.append("low_score")
    if normal is not None and input_tokens >= MIN_TOKENS_FOR_RATIO:
        ratio = out.output_tokens / input_tokens
        if not normal.ratio_p01 / RATIO_SLACK <= ratio <= normal.ratio_p99 * RATIO_SLACK:
            reasons.append("length_ratio")
    repeats = longest_repeat(out.text)
    if repeats >= REPETITION_RUN and repeats > longest_repeat(source) + 2:
        reasons.append("repetition")
    if out.hit_limit:
        reasons.append("truncated")
    if source_pieces is not None and normal is not None and unfamiliar(source_pieces, normal):
        reasons.append("unfamiliar_words")
    return SentenceCheck(math.exp(min(out.score, 0.0)), tuple(reasons))


def unfamiliar(pieces: list[str], normal: NormalRange) -> bool:
    """More pieces a word than 99% of the training sources had (see the module docstring)."""
    limit = normal.pieces_per_word_p99
    enough = words_in(pieces) >= PIECES_MIN_WORDS
    return limit is not None and enough and pieces_per_word(pieces) > limit


def text_quality(
    sources: Sequence[str], checks: Sequence[SentenceCheck], escalated: Sequence[bool]
) -> TextQuality:
    """A text with no sentence to translate (numbers, tags only) is fully confident."""
    return TextQuality(
        confidence=round(min((check.confidence for check in checks), default=1.0), 4),
        flagged=[
            Flag(source, check.reasons, done)
            for source, check, done in zip(sources, checks, escalated, strict=True)
            if check.low
        ],
    )
