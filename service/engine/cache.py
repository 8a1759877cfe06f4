"""A bounded LRU cache of sentence translations, with hit and miss counts.

Used from the event loop only (lookups before dispatch, inserts after), so it needs no lock.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class SentenceCache(Generic[V]):
    """Least-recently-used map from source sentence to its translation; size 0 disables it."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, sentence: str) -> V | None:
        value = self._entries.get(sentence)
        if value is None:
            self.misses += 1
            return None
        self._entries.move_to_end(sentence)
        self.hits += 1
        return value

    def put(self, sentence: str, value: V) -> None:
        if self.max_entries <= 0:
            return
        self._entries[sentence] = value
        self._entries.move_to_end(sentence)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
