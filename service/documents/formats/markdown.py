"""Markdown: markdown-it-py finds the prose (paragraphs, headings, list items, table cells);
only those spans of the source are rewritten, so code blocks, front matter, HTML blocks and every
marker of the Markdown structure stay byte-identical.

Inside a span, inline markup becomes tags: links and images are ``open``/``close`` pairs (the
link text or image alt is translated, ``](url "title")`` is kept verbatim), inline code, autolinks,
bare URLs, inline HTML, escapes, entities and emphasis delimiters are atoms.

A shortcut or collapsed reference link (``[Werkzeug]``, ``[Werkzeug][]``) is found through its
label, so translating the text alone would break it: its text is translated and the original
label is written as an explicit reference (``[Werkzeug-translated][Werkzeug]``), which resolves to
the same definition.

markdown-it stops parsing blocks nested deeper than its ``maxNesting`` and leaves the rest
unparsed, which would come back untranslated without a word: a document nested more than
:data:`MAX_NESTING` levels (a quote is one level, a list item two) is refused instead.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference

from service.documents.errors import UnsafeDocumentError
from service.documents.formats._lines import Span, splice, split_lines
from service.documents.formats.base import DocumentFormat, Extraction, Probe, require_lines
from service.documents.safety import Guard
from service.documents.segments import Piece, Tag, Unit, rewrap

#: Deepest block nesting accepted. markdown-it is given room for more: text sits one level below
#: its innermost block, and a cut-off document always has a token two levels below the limit.
MAX_NESTING = 32
_FRONT_MATTER_RE = re.compile(r"\A(?:---|\+\+\+)[ \t]*\r?\n")
_ATOM_RE = re.compile(
    r"(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|(?P<auto><(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>]+)>)"
    r"|(?P<html></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--.*?-->)"
    r"|(?P<url>(?:https?|ftp)://[^\s<>()\[\]]+[^\s<>().,;:!?'\"\[\]])"
    r"|(?P<escape>\\[!-/:-@\[-`{-~])"
    r"|(?P<entity>&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});)"
    r"|(?P<delim>\*+|_+|~~+)"
)
_LINK_TAIL_RE = re.compile(
    r'\]\((?:<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|\'[^\']*\'|\([^)]*\)))?\s*\)|\]\[[^\]]*\]'
)


class MarkdownFormat(DocumentFormat):
    name = "md"
    extensions = (".md", ".markdown")
    media_type = "text/markdown; charset=utf-8"
    accepts_any_text = True

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.text is not None

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        decoded = require_lines(data, guard)
        bodies, endings = split_lines(decoded.text)
        skip = _front_matter_lines(bodies)
        source = "".join(b + e for b, e in zip(bodies[skip:], endings[skip:], strict=True))
        env: dict[str, Any] = {}
        md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING + 3}).enable("table")
        tokens = md.parse(source, env)
        if any(token.level > MAX_NESTING + 1 for token in tokens):
            raise UnsafeDocumentError(
                f"The Markdown is nested more than {MAX_NESTING} levels deep."
            )
        labels = frozenset(env.get("references", {}))
        cursor: dict[int, int] = {}
        located: list[tuple[list[Span], Unit]] = []
        for token in tokens:
            guard.check_time()
            if token.type != "inline" or token.map is None:
                continue
            spans = _locate(token.content, token.map[0] + skip, bodies, cursor)
            if spans is None:
                continue
            text = " ".join(bodies[s.line][s.start : s.end] for s in spans)
            located.append((spans, Unit(inline_pieces(text, labels))))

        def rebuild() -> bytes:
            edits = [
                (spans, rewrap(unit.output(), len(spans), _raw))
                for spans, unit in located
                if unit.result is not None
            ]
            return decoded.encode(splice(bodies, endings, edits))

        return Extraction([unit for _, unit in located], rebuild, decoded.charset)


def _raw(tag: Tag) -> str:
    return str(tag.raw)


def _front_matter_lines(bodies: list[str]) -> int:
    """Number of lines of a leading YAML (``---``) or TOML (``+++``) front matter block."""
    if not bodies or bodies[0].strip() not in ("---", "+++"):
        return 0
    fence = bodies[0].strip()
    for n in range(1, len(bodies)):
        if bodies[n].strip() in (fence, "...") and (fence == "---" or bodies[n].strip() == fence):
            return n + 1
    return 0


def _locate(
    content: str, first: int, bodies: list[str], cursor: dict[int, int]
) -> list[Span] | None:
    """Where each line of an inline token's content sits in the source lines, or None."""
    spans: list[Span] = []
    for k, piece in enumerate(content.split("\n")):
        core = piece.strip()
        line = first + k
        if line >= len(bodies):
            return None
        if not core:
            continue
        start = bodies[line].find(core, cursor.get(line, 0))
        if start < 0:
            return None
        cursor[line] = start + len(core)
        spans.append(Span(line, start, start + len(core)))
    return spans or None


def _brackets(text: str, labels: frozenset[str]) -> dict[int, tuple[int, int, str]]:
    """Link/image openers: position of ``[`` → (position of ``]``, end of the link tail, what
    the tail becomes: itself, or an explicit reference for a shortcut/collapsed link)."""
    pairs: dict[int, tuple[int, int, str]] = {}
    stack: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            m = re.match(r"(`+).+?\1", text[i:])
            if m:
                i += m.end()
                continue
        if ch == "[":
            stack.append(i)
        elif ch == "]" and stack:
            start = stack.pop()
            tail = _LINK_TAIL_RE.match(text, i)
            end = tail.end() if tail else i + 1
            raw = text[i:end]
            label = text[start + 1 : i]
            if raw in ("]", "][]") and normalizeReference(label) in labels:
                raw = f"][{label}]"
            pairs[start] = (i, end, raw)
        i += 1
    return pairs


def inline_pieces(text: str, labels: frozenset[str] = frozenset()) -> list[Piece]:
    """Markdown inline source as pieces: translatable text plus verbatim markup tags.

    ``labels`` are the document's link reference definitions (normalized), so shortcut links
    keep resolving once their text is translated.
    """
    pairs = _brackets(text, labels)
    closers: dict[int, tuple[int, str]] = {}
    pieces: list[Piece] = []
    buf: list[str] = []
    i = 0

    def flush() -> None:
        if buf:
            pieces.append("".join(buf))
            buf.clear()

    while i < len(text):
        if i in closers:
            flush()
            end, raw = closers.pop(i)
            pieces.append(Tag("close", raw))
            i = end
            continue
        opener = i + 1 if text.startswith("![", i) else i
        if text[i] in "![" and opener in pairs and (text[i] == "[" or opener == i + 1):
            close_at, end, raw = pairs[opener]
            flush()
            pieces.append(Tag("open", text[i : opener + 1]))
            closers[close_at] = (end, raw)
            i = opener + 1
            continue
        m = _ATOM_RE.match(text, i)
        if m and any(i < c < m.end() for c in closers):
            m = None  # an atom never swallows the end of the link it is in
        if m and (m.lastgroup != "delim" or _is_delimiter(text, m.start(), m.end())):
            flush()
            pieces.append(Tag("atom", m.group(0)))
            i = m.end()
            continue
        buf.append(text[i])
        i += 1
    flush()
    return pieces


def _is_delimiter(text: str, start: int, end: int) -> bool:
    """Emphasis runs flank text; intraword ``_`` (snake_case) and lone ``*`` in spaces are text."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isspace() and after.isspace():
        return False
    return not (text[start] == "_" and before.isalnum() and after.isalnum())
