"""Plain text: paragraphs (runs of non-blank lines) are units; blank lines, line breaks, the
indentation of each line, the encoding and its BOM are kept."""

from __future__ import annotations

from service.documents.formats._lines import Span, splice, split_lines
from service.documents.formats.base import DocumentFormat, Extraction, Probe, require_lines
from service.documents.safety import Guard
from service.documents.segments import Unit, rewrap


class TxtFormat(DocumentFormat):
    name = "txt"
    extensions = (".txt", ".text")
    media_type = "text/plain; charset=utf-8"
    accepts_any_text = True

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.text is not None

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        decoded = require_lines(data, guard)
        bodies, endings = split_lines(decoded.text)
        paragraphs: list[list[Span]] = []
        current: list[Span] = []
        for n, body in enumerate(bodies):
            core = body.strip()
            if not core:
                if current:
                    paragraphs.append(current)
                current = []
                continue
            start = body.index(core)
            current.append(Span(n, start, start + len(core)))
        if current:
            paragraphs.append(current)
        units = [Unit([" ".join(bodies[s.line][s.start : s.end] for s in p)]) for p in paragraphs]

        def rebuild() -> bytes:
            edits = [
                (spans, rewrap(unit.output(), len(spans), str))
                for spans, unit in zip(paragraphs, units, strict=True)
                if unit.result is not None
            ]
            return decoded.encode(splice(bodies, endings, edits))

        return Extraction(units, rebuild, decoded.charset)
