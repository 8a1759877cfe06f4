"""Cutting masked text into sentences, lines, and pieces that fit the model.

Sentence boundaries come from `sentencex` (Wikimedia; ~300 languages, language fallback chains,
a Rust core that splits a paragraph in microseconds, about 100x faster than pysbd), which returns
segments that cover the input exactly, whitespace included. Every line break is a boundary as
well (as DeepL's default ``split_sentences=1``), so newlines never reach the model and come back
exactly where they were.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import sentencex

logger = logging.getLogger(__name__)

BLANK = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # str.isspace()
    "\ufeff\u200b\u2060"  # BOM and zero-width spaces
)
"""What is kept verbatim around sentences and never sent to the model."""

_LINE_BREAK = re.compile(r"(\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])")
_LETTER = re.compile(r"[^\W\d_]")
_CLAUSE_CUT = re.compile(r"[;:,](?=\s)|[—–、，；：]")
_SPACE_RUN = re.compile(r"\s+")
_BLANK_RUN = re.compile(f"[{re.escape(BLANK)}]*")


@lru_cache(maxsize=512)
def _splitter_language(lang: str) -> str:
    """`sentencex` language code for a request's code: ``DE``, ``de-DE``, ``de_AT`` → ``de``.

    sentencex matches codes exactly and silently falls back to English rules otherwise.
    """
    return lang.strip().replace("_", "-").split("-", 1)[0].lower()


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences of `text` in `lang`, with their surrounding whitespace: they join to `text`."""
    if not text:
        return []
    segments = list(sentencex.segment(_splitter_language(lang), text))
    if "".join(segments) != text:  # never lose a character, whatever the splitter does
        logger.warning("sentence splitter did not cover its input (lang=%s); not splitting", lang)
        return [text]
    return segments


def split_lines(segment: str) -> list[str]:
    """Alternating line contents and line breaks (CRLF kept as one); joins back to `segment`."""
    return _LINE_BREAK.split(segment)


def strip_blank(text: str) -> tuple[str, str, str]:
    """Leading blank, core, trailing blank of `text`."""
    start = len(text) - len(text.lstrip(BLANK))
    end = len(text.rstrip(BLANK))
    if start >= end:
        return text, "", ""
    return text[:start], text[start:end], text[end:]


def needs_translation(masked: str) -> bool:
    """Whether any letter is outside the placeholders (numbers, punctuation, emoji are kept)."""
    return _LETTER.search(masked) is not None


def fit(core: str, fits: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Cut `core` into pieces that each `fits`, as (piece, blank after it) pairs; nothing is lost.

    Cuts go after clause punctuation first, then at spaces, and only as a last resort between two
    characters; a placeholder is a single character here, so no cut can fall inside one. Assumes
    token counts grow with length (close enough for subword tokenizers), and searches cuts by
    galloping from the start, so the cost stays proportional to the text, not to its square.
    """
    if fits(core):  # the common case: one call
        return [(core, "")]
    clause_cuts = [m.end() for m in _CLAUSE_CUT.finditer(core)] + [len(core)]
    space_cuts = [m.start() for m in _SPACE_RUN.finditer(core)] + [len(core)]
    pieces: list[tuple[str, str]] = []
    start = 0
    while start < len(core):

        def fits_at(cut: int, start: int = start) -> bool:
            return fits(core[start:cut])

        end = None
        for cuts in (clause_cuts, space_cuts):
            end = _furthest_fitting(cuts, bisect.bisect_right(cuts, start), fits_at)
            if end is not None:
                break
        else:  # not even one word fits: cut between characters, at least one to advance
            end = _furthest_fitting(range(len(core) + 1), start + 1, fits_at) or start + 1
        blank = _BLANK_RUN.match(core, end)
        next_start = blank.end() if blank else end
        pieces.append((core[start:end], core[end:next_start]))
        start = next_start
    return pieces


def _furthest_fitting(
    cuts: Sequence[int], first: int, fits_at: Callable[[int], bool]
) -> int | None:
    """Largest of the ascending `cuts` from index `first` on that fits, or None if none does.

    Probes first, first+1, first+3, first+7, ... until one fails, then bisects the last gap.
    """
    if first >= len(cuts) or not fits_at(cuts[first]):
        return None
    good, step = first, 1
    while good + step < len(cuts) and fits_at(cuts[good + step]):
        good, step = good + step, step * 2
    low, high = good + 1, min(good + step, len(cuts)) - 1
    while low <= high:
        middle = (low + high) // 2
        if fits_at(cuts[middle]):
            good, low = middle, middle + 1
        else:
            high = middle - 1
    return cuts[good]
