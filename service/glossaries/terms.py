"""Finding a glossary's source terms in text: case-insensitive, whole words, multi-word,
longest match first, in time linear in the text.

Text and terms are cut into the same tokens (runs of word characters, single other characters),
so a match always starts and ends at a word boundary: ``cat`` is found in ``a cat.`` but not in
``cats`` or ``concatenate``. The terms form a trie over (space before?, casefolded token) steps;
from each position the walk goes as deep as the text allows and keeps the longest term found, so
``New York City`` wins over ``New York``, and matching never re-reads text (a term of 500 tokens
costs nothing on text that does not start it). Whitespace between a term's words matches any run
of spaces, but never a line break: a term never spans two lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\w+|[^\w\s]")

Step = tuple[bool, str]
"""(whitespace before this token, the token casefolded)."""


@dataclass
class _Node:
    children: dict[Step, _Node] = field(default_factory=dict)
    target: str | None = None


@dataclass(frozen=True)
class TermMatch:
    start: int
    end: int
    target: str


class TermMatcher:
    """The source terms of one glossary, ready to be found in any text."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self._root = _Node()
        for source, target in entries.items():
            self._add(source, target)

    def _add(self, source: str, target: str) -> None:
        node = self._root
        for step in _steps(source):
            node = node.children.setdefault(step, _Node())
        node.target = target

    def find(self, text: str) -> list[TermMatch]:
        """Every non-overlapping match, left to right, the longest at each position."""
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        matches: list[TermMatch] = []
        index = 0
        while index < len(tokens):
            found = self._longest_at(text, tokens, index)
            if found is None:
                index += 1
                continue
            last, target = found
            matches.append(TermMatch(tokens[index][0], tokens[last][1], target))
            index = last + 1
        return matches

    def _longest_at(
        self, text: str, tokens: list[tuple[int, int]], first: int
    ) -> tuple[int, str] | None:
        node, best = self._root, None
        for index in range(first, len(tokens)):
            start, end = tokens[index]
            gap = text[tokens[index - 1][1] : start] if index > first else ""
            if "\n" in gap or "\r" in gap:
                break
            child = node.children.get((bool(gap), text[start:end].casefold()))
            if child is None:
                break
            node = child
            if node.target is not None:
                best = (index, node.target)
        return best

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """:meth:`find` as ``(start, end, target)``: what ``service.text`` protects."""
        return [(m.start, m.end, m.target) for m in self.find(text)]


def _steps(term: str) -> list[Step]:
    steps: list[Step] = []
    previous_end: int | None = None
    for match in _TOKEN.finditer(term):
        spaced = previous_end is not None and match.start() > previous_end
        steps.append((spaced, match.group().casefold()))
        previous_end = match.end()
    return steps
