"""Splicing translated text back into spans of source lines (plain text, Markdown).

Everything outside the spans is copied byte for byte; a sentence spread over several lines is
translated whole and re-broken into the same number of lines (see ``segments.rewrap``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """Characters ``start:end`` of source line ``line`` (line text without its newline)."""

    line: int
    start: int
    end: int


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines without their endings, and the endings ("\\n", "\\r\\n", "" for the last)."""
    bodies: list[str] = []
    endings: list[str] = []
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        bodies.append(body)
        endings.append(raw[len(body) :])
    return bodies, endings


def splice(bodies: list[str], endings: list[str], edits: list[tuple[list[Span], list[str]]]) -> str:
    """Replace each span with its new text; spans left without text are removed, and a line that
    held only removed spans (plus whitespace or container markers) disappears with its ending."""
    per_line: dict[int, list[tuple[Span, str | None]]] = defaultdict(list)
    for spans, texts in edits:
        for i, span in enumerate(spans):
            per_line[span.line].append((span, texts[i] if i < len(texts) else None))
    out: list[str] = []
    for n, body in enumerate(bodies):
        changes = sorted(per_line.get(n, []), key=lambda item: item[0].start, reverse=True)
        drop = bool(changes) and all(text is None for _, text in changes)
        for span, text in changes:
            body = body[: span.start] + (text or "") + body[span.end :]
        if drop:
            continue
        out.append(body + endings[n])
    return "".join(out)
