"""A bounded LRU cache of sentence translations, with hit and miss counts.

Bounded by entries and by bytes: 10,000 entries of ordinary sentences are a few MB, but of
pathological 50,000-character "sentences" they were hundreds of MB that stayed after the
traffic was gone. Used from the event loop only (lookups before dispatch, inserts after), so it
needs no lock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")

ENTRY_OVERHEAD_BYTES = 200  # the dict slot, the value object and its fields, roughly


class SentenceCache(Generic[V]):
    """Least-recently-used map from source sentence to its translation; size 0 disables it."""

    def __init__(
        self,
        max_entries: int,
        max_bytes: int = 0,
        value_chars: Callable[[V], int] = lambda value: 0,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self.bytes = 0
        self._value_chars = value_chars
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, sentence: str) -> V | None:
        entry = self._entries.get(sentence)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(sentence)
        self.hits += 1
        return entry[0]

    def put(self, sentence: str, value: V) -> None:
        if self.max_entries <= 0:
            return
        size = self.entry_bytes(sentence, value)
        if self.max_bytes and size > self.max_bytes:
            return  # never evict everything for one huge entry
        old = self._entries.pop(sentence, None)
        if old is not None:
            self.bytes -= old[1]
        self._entries[sentence] = (value, size)
        self.bytes += size
        while len(self._entries) > self.max_entries or (
            self.max_bytes and self.bytes > self.max_bytes
        ):
            _, (_, evicted) = self._entries.popitem(last=False)
            self.bytes -= evicted

    def entry_bytes(self, sentence: str, value: V) -> int:
        """An estimate of what an entry holds: both texts (up to 4 bytes a character in
        CPython's compact strings; counted as 2) and a fixed overhead."""
        return 2 * (len(sentence) + self._value_chars(value)) + ENTRY_OVERHEAD_BYTES
