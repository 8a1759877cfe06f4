"""Translation units: text with inline markup kept as neutral tags, and the translation driver.

A :class:`Unit` is one sentence-bearing run of a document (a paragraph, a cell, a cue) as a flat
list of pieces: text strings and :class:`Tag` markers standing for markup (``open``/``close``
pairs such as bold or a link, ``atom`` for things like inline code or a line break). The whole
unit goes to the translator as ONE segment, markup written as neutral tags::

    "Press <g id="1">Save</g> to keep <x id="2"/> changes."

so inline markup never splits a sentence. If the translation comes back with tags lost, invented,
unbalanced or with atoms reordered, the unit falls back to translating its text pieces one by
one, so markup is never lost. ``Tag.raw`` is opaque here: each format puts its own markup there.

A batch the translator refuses with :class:`~service.documents.errors.SegmentFailedError` is
retried segment by segment; a segment that fails alone is kept in the source language, and the
:class:`SegmentReport` counts it (and the units the translator judged low-confidence).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from service.documents.errors import SegmentFailedError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Translations:
    """A batch's translations with the translator's verdict per segment (True: low confidence)."""

    texts: list[str]
    low_confidence: list[bool]


#: Translates a batch of plain-text segments; same length and order out as in (a plain list, or
#: :class:`Translations` when the translator judges its output). Raises SegmentFailedError when a
#: segment cannot be translated. Called from worker threads (never on the event loop), so a
#: blocking implementation is the natural one.
SegmentTranslator = Callable[[list[str]], list[str] | Translations]
#: Reports progress as (segments done, segments total).
ProgressCallback = Callable[[int, int], None]

TagKind = Literal["open", "close", "atom"]


@dataclass(eq=False)
class Tag:
    """One piece of markup inside a unit; ``raw`` is whatever the format needs to put it back."""

    kind: TagKind
    raw: object
    id: int = 0


Piece = str | Tag
#: One translated segment and whether it was judged low-confidence; None: kept in the source.
Done = tuple[str, bool] | None


@dataclass
class SegmentReport:
    """Per document, the translatable units kept in the source language and those whose
    translation was judged low-confidence (a unit translated piece by piece counts once)."""

    untranslated: int = 0
    low_confidence: int = 0

    def count(self, outcomes: Sequence[Done]) -> None:
        """Count one unit from the outcomes of its segment(s)."""
        if any(done is None for done in outcomes):
            self.untranslated += 1
        elif any(done[1] for done in outcomes if done is not None):
            self.low_confidence += 1


_TAG_RE = re.compile(r'<g\s+id\s*=\s*"(\d+)"\s*>|</g\s*>|<x\s+id\s*=\s*"(\d+)"\s*/>')
_TAGLIKE_RE = re.compile(r"</?[gx](?:\s|>|/)")


def has_letters(text: str) -> bool:
    """True when ``text`` has something worth translating (numbers and punctuation are kept)."""
    return any(ch.isalpha() for ch in text)


class Unit:
    """A translatable run of pieces; ``result`` holds the translated pieces once done."""

    def __init__(self, pieces: Iterable[Piece]) -> None:
        self.pieces: list[Piece] = _merge_text(pieces)
        self.result: list[Piece] | None = None
        _number_tags(self.pieces)

    @property
    def text(self) -> str:
        return "".join(p for p in self.pieces if isinstance(p, str))

    @property
    def translatable(self) -> bool:
        return has_letters(self.text)

    @property
    def characters(self) -> int:
        return len(self.text) if self.translatable else 0

    @property
    def tags(self) -> list[Tag]:
        return [p for p in self.pieces if isinstance(p, Tag)]

    @property
    def changed(self) -> bool:
        """True when translated into something other than the source (names, numbers often are
        not), so that containers rewrite only what really changed."""
        return self.result is not None and render_tagged(self.result) != render_tagged(self.pieces)

    def output(self) -> list[Piece]:
        """The translated pieces, or the original ones if the unit was not translated."""
        return self.result if self.result is not None else self.pieces

    def output_text(self) -> str:
        """The output with string-valued markup (``Tag.raw``) written back in place."""
        return "".join(p if isinstance(p, str) else str(p.raw) for p in self.output())

    def segment(self) -> str:
        """The unit as one segment: neutral tags for markup, outer whitespace removed."""
        return render_tagged(self.pieces).strip()

    def restore(self, translated: str) -> list[Piece] | None:
        """Pieces from a translated segment, or None when its tags do not match the original."""
        lead, trail = _outer_space(self.pieces)
        body = translated.strip()
        if not self.tags:
            return [lead + body + trail]
        pieces = _parse_tagged(body, self.tags)
        if pieces is None:
            return None
        return _merge_text([lead, *pieces, trail])


def render_tagged(pieces: Sequence[Piece]) -> str:
    out: list[str] = []
    for p in pieces:
        if isinstance(p, str):
            out.append(p)
        elif p.kind == "open":
            out.append(f'<g id="{p.id}">')
        elif p.kind == "close":
            out.append("</g>")
        else:
            out.append(f'<x id="{p.id}"/>')
    return "".join(out)


def _merge_text(pieces: Iterable[Piece]) -> list[Piece]:
    """Adjacent strings joined, empty ones dropped (joined once: repeated ``+`` is quadratic)."""
    merged: list[Piece] = []
    texts: list[str] = []
    for p in [*pieces, None]:
        if isinstance(p, str):
            texts.append(p)
            continue
        if text := "".join(texts):
            merged.append(text)
        texts = []
        if p is not None:
            merged.append(p)
    return merged


def _number_tags(pieces: list[Piece]) -> None:
    """Give open/atom tags ids 1..n; a close takes its open's id. Unbalanced input is a bug."""
    stack: list[Tag] = []
    next_id = 1
    for p in pieces:
        if not isinstance(p, Tag):
            continue
        if p.kind == "close":
            if not stack:
                raise ValueError("close tag without open tag")
            p.id = stack.pop().id
            continue
        p.id = next_id
        next_id += 1
        if p.kind == "open":
            stack.append(p)
    if stack:
        raise ValueError("open tag without close tag")


def _outer_space(pieces: Sequence[Piece]) -> tuple[str, str]:
    lead = trail = ""
    if pieces and isinstance(pieces[0], str):
        first = pieces[0]
        lead = first[: len(first) - len(first.lstrip())]
    if pieces and isinstance(pieces[-1], str):
        last = pieces[-1]
        trail = last[len(last.rstrip()) :]
        if len(pieces) == 1 and not last.strip():
            trail = ""
    return lead, trail


def _parse_tagged(body: str, originals: list[Tag]) -> list[Piece] | None:
    opens = {t.id: t for t in originals if t.kind == "open"}
    closes = {t.id: t for t in originals if t.kind == "close"}
    atoms = {t.id: t for t in originals if t.kind == "atom"}
    seen: set[int] = set()
    atom_order: list[int] = []
    stack: list[int] = []
    pieces: list[Piece] = []
    pos = 0
    for m in _TAG_RE.finditer(body):
        pieces.append(body[pos : m.start()])
        pos = m.end()
        open_id, atom_id = m.group(1), m.group(2)
        if open_id is not None:
            tag_id = int(open_id)
            if tag_id not in opens or tag_id in seen:
                return None
            seen.add(tag_id)
            stack.append(tag_id)
            pieces.append(opens[tag_id])
        elif atom_id is not None:
            tag_id = int(atom_id)
            if tag_id not in atoms or tag_id in seen:
                return None
            seen.add(tag_id)
            atom_order.append(tag_id)
            pieces.append(atoms[tag_id])
        else:
            if not stack:
                return None
            pieces.append(closes[stack.pop()])
    pieces.append(body[pos:])
    complete = seen == set(opens) | set(atoms) and not stack
    if not complete or atom_order != sorted(atom_order):
        return None
    if any(isinstance(p, str) and _TAGLIKE_RE.search(p) for p in pieces):
        return None
    return pieces


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip()
    if not core:
        return text, "", ""
    start = text.index(core)
    return text[:start], core, text[start + len(core) :]


class _Batcher:
    """Sends segments to the translator in bounded batches, checking the budget between them."""

    def __init__(
        self,
        translator: SegmentTranslator,
        batch_size: int,
        check: Callable[[], None],
        progress: ProgressCallback | None,
        total: int,
    ) -> None:
        self.translator = translator
        self.batch_size = batch_size
        self.check = check
        self.progress = progress
        self.done = 0
        self.total = total

    def run(self, segments: list[str]) -> list[Done]:
        out: list[Done] = []
        for start in range(0, len(segments), self.batch_size):
            self.check()
            batch = segments[start : start + self.batch_size]
            out.extend(self._batch(batch))
            self.done += len(batch)
            if self.progress is not None:
                self.progress(self.done, max(self.total, self.done))
        self.check()
        return out

    def _batch(self, batch: list[str]) -> list[Done]:
        """The batch's outcomes; segment by segment when one of them cannot be translated, so
        only that one is kept. Every other error (a full queue, a model not ready) propagates."""
        try:
            return self._translate(batch)
        except SegmentFailedError:
            if len(batch) == 1:
                logger.warning("a segment could not be translated; it is kept as it was")
                return [None]
        outcomes: list[Done] = []
        for segment in batch:
            self.check()
            outcomes.extend(self._batch([segment]))
        return outcomes

    def _translate(self, batch: list[str]) -> list[Done]:
        answer = self.translator(batch)
        if not isinstance(answer, Translations):
            answer = Translations(list(answer), [False] * len(answer))
        if not len(answer.texts) == len(answer.low_confidence) == len(batch):
            raise RuntimeError("translator returned a different number of segments")
        return list(zip(answer.texts, answer.low_confidence, strict=True))


def translate_units(
    units: Sequence[Unit],
    translator: SegmentTranslator,
    *,
    batch_size: int = 32,
    check: Callable[[], None] = lambda: None,
    progress: ProgressCallback | None = None,
) -> SegmentReport:
    """Translate every translatable unit in place (``unit.result``), tags kept or fallen back;
    a unit the translator cannot translate keeps its source pieces."""
    report = SegmentReport()
    todo = [u for u in units if u.translatable]
    whole: list[Unit] = []
    split: list[Unit] = []
    for u in todo:  # one pass: a membership test per unit would be quadratic
        (split if any(_TAGLIKE_RE.search(t) for t in _texts(u)) else whole).append(u)
    batcher = _Batcher(translator, batch_size, check, progress, len(whole))
    for unit, done in zip(whole, batcher.run([u.segment() for u in whole]), strict=True):
        restored = None if done is None else unit.restore(done[0])
        if done is not None and restored is None:
            split.append(unit)
            continue
        unit.result = restored
        report.count([done])
    if split:
        _translate_pieces(split, batcher, report)
    return report


def _translate_pieces(split: list[Unit], batcher: _Batcher, report: SegmentReport) -> None:
    """The fallback: each text piece of each unit translated alone, markup left in place."""
    parts = [(u, i) for u in split for i, p in enumerate(u.pieces) if _worth(p)]
    batcher.total = batcher.done + len(parts)
    cores = [_split_space(str(u.pieces[i]))[1] for u, i in parts]
    outcomes: dict[int, list[Done]] = {id(u): [] for u in split}
    for u in split:
        u.result = list(u.pieces)
    for (u, i), done in zip(parts, batcher.run(cores), strict=True):
        outcomes[id(u)].append(done)
        if done is not None:
            lead, _, trail = _split_space(str(u.pieces[i]))
            assert u.result is not None
            u.result[i] = lead + done[0].strip() + trail
    for u in split:
        report.count(outcomes[id(u)])


def _texts(unit: Unit) -> list[str]:
    return [p for p in unit.pieces if isinstance(p, str)]


def _worth(piece: Piece) -> bool:
    return isinstance(piece, str) and has_letters(piece)


def rewrap(pieces: Sequence[Piece], lines: int, raw: Callable[[Tag], str]) -> list[str]:
    """Render pieces and break them into ``lines`` lines at spaces of text (never inside markup).

    Used where a sentence spans hard-wrapped lines (plain text, Markdown, subtitle cues): the
    sentence is translated whole and the line count is kept. Fewer lines come back only when the
    translation has fewer words than the original had lines.
    """
    out: list[str] = []
    breaks: list[int] = []
    length = 0
    for p in pieces:
        s = p if isinstance(p, str) else raw(p)
        if isinstance(p, str):
            breaks.extend(length + m.start() for m in re.finditer(" ", s))
        out.append(s)
        length += len(s)
    text = "".join(out)
    breaks = [b for b in breaks if text[:b].strip() and text[b + 1 :].strip()]
    chosen: list[int] = []
    for k in range(1, lines):
        goal = k * len(text) / lines
        options = [b for b in breaks if not chosen or b > chosen[-1]]
        remaining_needed = lines - k
        if len(options) < 1:
            break
        pick = min(
            options[: len(options) - remaining_needed + 1] or options, key=lambda b: abs(b - goal)
        )
        chosen.append(pick)
    result: list[str] = []
    start = 0
    for b in chosen:
        result.append(text[start:b])
        start = b + 1
    result.append(text[start:])
    return result
