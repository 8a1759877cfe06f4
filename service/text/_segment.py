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
from typing import Literal

import sentencex

logger = logging.getLogger(__name__)

BLANK = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # str.isspace()
    "\ufeff\u200b\u2060"  # BOM and zero-width spaces
)
"""What is kept verbatim around sentences and never sent to the model."""

SplitMode = Literal["lines", "punctuation", "none"]
"""Where a text is cut into sentences: at punctuation and every line break (the default, as
DeepL's ``split_sentences=1``), at punctuation only (``nonewlines``: a line break inside a
sentence reaches the model as a space), or nowhere (``0``: the whole text is one sentence,
still cut when it is too long for the model)."""

_LINE_BREAK = re.compile(r"(\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])")
_LINE_BREAK_RUN = re.compile(
    rf"[{re.escape(BLANK)}]*(?:{_LINE_BREAK.pattern})[{re.escape(BLANK)}]*"
)
_LETTER = re.compile(r"[^\W\d_]")
_CLAUSE_CUT = re.compile(r"[;:,](?=\s)|[—–、，；：]")
_SPACE_RUN = re.compile(r"\s+")
_BLANK_RUN = re.compile(f"[{re.escape(BLANK)}]*")
_WINDOW = 3_000
"""Most characters the sentence splitter sees at once: sentencex is quadratic on some runs
(``"«" * 40_000`` took 1.6 s, ``"!-" * 20_000`` 1.2 s), and a window bounds that cost."""


@lru_cache(maxsize=512)
def _splitter_language(lang: str) -> str:
    """`sentencex` language code for a request's code: ``DE``, ``de-DE``, ``de_AT`` → ``de``.

    sentencex matches codes exactly and silently falls back to English rules otherwise.
    """
    return lang.strip().replace("_", "-").split("-", 1)[0].lower()


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences of `text` in `lang`, with their surrounding whitespace: they join to `text`.

    The splitter sees at most :data:`_WINDOW` characters at a time, because its cost grows with
    the square of some inputs' length; a window's last segment may be cut short by the window's
    end, so the next window starts where it starts.
    """
    language = _splitter_language(lang)
    segments: list[str] = []
    start = 0
    while start < len(text):
        window = text[start : start + _WINDOW]
        found = _segment_window(language, window)
        if start + len(window) < len(text):
            found = _complete(found, len(window))
        segments += found
        start += sum(map(len, found))
    return segments


def _segment_window(language: str, window: str) -> list[str]:
    found = list(sentencex.segment(language, window))
    if "".join(found) != window:  # never lose a character, whatever the splitter does
        logger.warning(
            "sentence splitter did not cover its input (lang=%s); not splitting", language
        )
        return [window]
    return found


def _complete(found: list[str], window: int) -> list[str]:
    """The segments of a window that the text after it cannot change: all but the last one.

    If they cover less than half the window, the last segment is a sentence of thousands of
    characters: its first part, up to its last blank in the window, is a segment of its own (it
    is far over any model's input, so it is cut again anyway); this keeps every window's cost
    bounded and every step forward at least half a window.
    """
    complete = found[:-1]
    if sum(map(len, complete)) >= window // 2:
        return complete
    last = found[-1]
    blank = max(last.rfind(char) for char in BLANK)
    return [*complete, last[: blank + 1] if blank > 0 else last]


def split_lines(segment: str) -> list[str]:
    """Alternating line contents and line breaks (CRLF kept as one); joins back to `segment`."""
    return _LINE_BREAK.split(segment)


def sentences_of(text: str, lang: str, mode: SplitMode) -> list[str]:
    """The sentences `mode` cuts `text` into, with their surrounding whitespace."""
    return [text] if mode == "none" else split_sentences(text, lang)


def join_lines(segment: str) -> str:
    """`segment` with each line break, and the blank around it, as one space: a sentence that
    spans lines reaches the model as one line (the blank before and after it is kept)."""
    lead, core, trail = strip_blank(segment)
    return lead + _LINE_BREAK_RUN.sub(" ", core) + trail


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
    token counts grow with length (close enough for subword tokenizers). Each piece first finds
    how many characters fit by galloping from its start, so `fits` only ever sees about twice a
    piece's length, never the rest of the text: the cost stays proportional to the text.
    """
    if fits(core):  # the common case: one call
        return [(core, "")]
    clause_cuts = [m.end() for m in _CLAUSE_CUT.finditer(core)]
    space_cuts = [m.start() for m in _SPACE_RUN.finditer(core)]
    pieces: list[tuple[str, str]] = []
    start = 0
    while start < len(core):
        end = _piece_end(core, start, clause_cuts, space_cuts, fits)
        blank = _BLANK_RUN.match(core, end)
        next_start = blank.end() if blank else end
        pieces.append((core[start:end], core[end:next_start]))
        start = next_start
    return pieces


def cut_clauses(core: str, fits: Callable[[str], bool]) -> list[tuple[str, str]]:
    """Cut `core` after clause punctuation only, into the fewest pieces that each `fits`, as
    (piece, blank after it) pairs; a clause that does not fit on its own stays whole.

    For sentences far longer than the student was trained on: a clause boundary is a safe point
    to cut (a space inside a phrase is not), and `fit` still enforces the hard limit afterwards.
    """
    if fits(core):
        return [(core, "")]
    cuts = [m.end() for m in _CLAUSE_CUT.finditer(core)]
    pieces: list[tuple[str, str]] = []
    start = 0
    while start < len(core):
        ahead = [cut for cut in cuts[bisect.bisect_right(cuts, start) :] if cut < len(core)]
        end = ahead[0] if ahead else len(core)
        for cut in ahead[1:]:
            if not fits(core[start:cut]):
                break
            end = cut
        if end < len(core) and fits(core[start:]):
            end = len(core)
        blank = _BLANK_RUN.match(core, end)
        next_start = blank.end() if blank else end
        pieces.append((core[start:end], core[end:next_start]))
        start = next_start
    return pieces


def _piece_end(
    core: str,
    start: int,
    clause_cuts: Sequence[int],
    space_cuts: Sequence[int],
    fits: Callable[[str], bool],
) -> int:
    """End of the piece from `start`: the furthest clause cut that fits, else space cut, else the
    furthest character (at least one, to advance)."""
    limit = _furthest_fitting(start, len(core), lambda end: fits(core[start:end]))
    if limit is None:
        return start + 1
    if limit == len(core):
        return limit
    for cuts in (clause_cuts, space_cuts):
        index = bisect.bisect_right(cuts, limit) - 1
        if index >= 0 and cuts[index] > start and fits(core[start : cuts[index]]):
            return cuts[index]
    return limit


def _furthest_fitting(start: int, stop: int, fits_at: Callable[[int], bool]) -> int | None:
    """Largest end in (start, stop] that fits, or None if not even start + 1 does.

    Probes start+1, start+2, start+4, ... until one fails, then bisects the last gap.
    """
    if not fits_at(start + 1):
        return None
    good, step = start + 1, 1
    while good < stop and fits_at(min(good + step, stop)):
        good, step = min(good + step, stop), step * 2
    low, high = good + 1, min(good + step, stop) - 1
    while low <= high:
        middle = (low + high) // 2
        if fits_at(middle):
            good, low = middle, middle + 1
        else:
            high = middle - 1
    return good
