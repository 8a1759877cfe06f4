"""The sentence cache is bounded, least-recently-used, and counts hits and misses."""

from __future__ import annotations

from service.engine.cache import SentenceCache


def test_the_least_recently_used_sentence_is_evicted_first() -> None:
    cache: SentenceCache[str] = SentenceCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # "b" is now the least recently used
    cache.put("c", "C")
    assert cache.get("b") is None
    assert cache.get("a") == "A"
    assert cache.get("c") == "C"
    assert len(cache) == 2


def test_hits_and_misses_are_counted() -> None:
    cache: SentenceCache[str] = SentenceCache(10)
    cache.get("x")
    cache.put("x", "X")
    cache.get("x")
    cache.get("x")
    assert (cache.hits, cache.misses) == (2, 1)


def test_size_zero_disables_the_cache() -> None:
    cache: SentenceCache[str] = SentenceCache(0)
    cache.put("a", "A")
    assert cache.get("a") is None
    assert len(cache) == 0
