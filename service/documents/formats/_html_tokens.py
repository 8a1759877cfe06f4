"""HTML cut into tokens whose source slices, joined, are exactly the page again.

The standard library's tokenizer finds each token (text, start tag, end tag, comment, doctype,
...); its start offsets partition the source, so the reader (`html_source`) can keep every byte
it does not translate. Bounded by the document's time budget, and in memory by
``MT_DOC_HTML_MAX_TOKENS`` (each token costs ~300 bytes while the page is read: without a bound
a 20 MiB upload of bare tags would take ~2 GB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from service.documents.errors import CorruptDocumentError, DocumentTooLargeError
from service.documents.safety import Guard

_CHECK_EVERY = 4096  # tokens between two looks at the time budget


_NO_ATTRIBUTES: dict[str, str | None] = {}  # shared, never written: most tokens have none


@dataclass(eq=False, slots=True)
class Token:
    """One slice of the source; ``name`` and ``attrs`` for start and end tags only."""

    kind: str  # "text", "start", "end" or "other" (comment, doctype, PI, CDATA)
    raw: str
    name: str = ""
    attrs: dict[str, str | None] = field(default_factory=lambda: _NO_ATTRIBUTES)


class _Tokenizer(HTMLParser):
    """Records each token's start offset; consecutive starts partition the source."""

    def __init__(self, source: str, guard: Guard) -> None:
        super().__init__(convert_charrefs=True)
        self.guard = guard
        self.tokens: list[tuple[int, str, str, dict[str, str | None]]] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _add(self, kind: str, name: str = "", attrs: dict[str, str | None] | None = None) -> None:
        if len(self.tokens) >= self.guard.settings.html_max_tokens:
            raise DocumentTooLargeError(
                f"The HTML has more than {self.guard.settings.html_max_tokens} tags, texts and "
                "comments (MT_DOC_HTML_MAX_TOKENS)."
            )
        line, column = self.getpos()
        self.tokens.append(
            (self._line_starts[line - 1] + column, kind, name, attrs or _NO_ATTRIBUTES)
        )
        if len(self.tokens) % _CHECK_EVERY == 0:
            self.guard.check_time()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add("start", tag, _first_of_each(attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add("void", tag, _first_of_each(attrs))

    def handle_endtag(self, tag: str) -> None:
        self._add("end", tag)

    def handle_data(self, data: str) -> None:
        self._add("text")

    def handle_comment(self, data: str) -> None:
        self._add("other")

    def handle_decl(self, decl: str) -> None:
        self._add("other")

    def handle_pi(self, data: str) -> None:
        self._add("other")

    def unknown_decl(self, data: str) -> None:
        self._add("other")

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """``<![CDATA[…]]>`` to its end, any other ``<![…`` to the next ``>`` (the base class
        raises on what it does not know)."""
        cdata = self.rawdata.startswith("<![CDATA[", i)
        close = "]]>" if cdata else ">"
        end = self.rawdata.find(close, i + 3)
        if end < 0:
            return -1
        self._add("other")
        return end + len(close)


def _first_of_each(attrs: list[tuple[str, str | None]]) -> dict[str, str | None]:
    """Attributes by name; of duplicates the first counts, as in browsers."""
    return dict(reversed(attrs))


def tokenize(source: str, guard: Guard) -> list[Token]:
    """The source as tokens whose raws, joined, are exactly the source.

    The source is fed at once and the parser is never closed: what it could not finish (an
    unterminated comment, tag or declaration, which ``close()`` would rescan quadratically) is
    kept as one last token, text up to its first ``<``.
    """
    tokenizer = _Tokenizer(source, guard)
    try:
        tokenizer.feed(source)
    except AssertionError:  # the standard library's way of giving up on markup
        raise CorruptDocumentError("The HTML could not be read.") from None
    found = tokenizer.tokens
    tail = len(source) - len(tokenizer.rawdata)
    if tail < len(source):
        markup = source.find("<", tail)
        if markup != tail:
            found.append((tail, "text", "", _NO_ATTRIBUTES))
        if markup >= 0:
            found.append((markup, "other", "", _NO_ATTRIBUTES))
    if not found or found[0][0] > 0:
        found.insert(0, (0, "other", "", _NO_ATTRIBUTES))
    ends = [start for start, *_ in found[1:]] + [len(source)]
    tokens: list[Token] = []
    for (start, kind, name, attrs), end in zip(found, ends, strict=True):
        if end > start:
            tokens.append(Token(kind, source[start:end], name, attrs))
    return tokens
