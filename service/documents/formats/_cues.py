"""Shared cue handling of SubRip and WebVTT: only cue text lines change.

Blocks are separated by blank lines; a cue's timing line (with ``-->``) and everything before
it (number, identifier) and every non-cue block (WEBVTT header, NOTE, STYLE, REGION) are copied
byte for byte. The cue's lines are translated as one sentence and re-broken into as many lines;
tags such as ``<i>`` or ``{\\an8}`` are atoms.
"""

from __future__ import annotations

import re

from service.documents.formats._lines import Span, splice, split_lines
from service.documents.formats.base import DecodedText, Extraction
from service.documents.segments import Piece, Tag, Unit, rewrap

_CUE_TAG_RE = re.compile(r"<[^<>\n]{1,200}>|\{\\[^{}\n]{1,100}\}")


def cue_pieces(text: str) -> list[Piece]:
    pieces: list[Piece] = []
    pos = 0
    for m in _CUE_TAG_RE.finditer(text):
        pieces.extend([text[pos : m.start()], Tag("atom", m.group(0))])
        pos = m.end()
    pieces.append(text[pos:])
    return pieces


def extract_cues(decoded: DecodedText) -> tuple[Extraction, int]:
    """Units of every cue; also returns the number of cues found."""
    bodies, endings = split_lines(decoded.text)
    located: list[tuple[list[Span], Unit]] = []
    cues = 0
    n = 0
    while n < len(bodies):
        if not bodies[n].strip():
            n += 1
            continue
        block_end = n
        while block_end < len(bodies) and bodies[block_end].strip():
            block_end += 1
        timing = next((k for k in range(n, block_end) if "-->" in bodies[k]), None)
        if timing is not None:
            cues += 1
            spans = [Span(k, 0, len(bodies[k])) for k in range(timing + 1, block_end) if bodies[k]]
            if spans:
                text = " ".join(bodies[s.line] for s in spans)
                located.append((spans, Unit(cue_pieces(text))))
        n = block_end

    def rebuild() -> bytes:
        edits = [
            (spans, rewrap(unit.output(), len(spans), lambda t: str(t.raw)))
            for spans, unit in located
            if unit.result is not None
        ]
        return decoded.encode(splice(bodies, endings, edits))

    return Extraction([u for _, u in located], rebuild, decoded.charset), cues
