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


def test_the_cache_is_bounded_in_bytes_as_well_as_entries() -> None:
    cache: SentenceCache[str] = SentenceCache(1_000, max_bytes=10_000, value_chars=len)
    for number in range(100):
        cache.put(f"{number:04d}" + "x" * 996, "y" * 1_000)  # ~4 kB an entry
    assert cache.bytes <= 10_000
    assert len(cache) == 2
    assert cache.get("0099" + "x" * 996) is not None


def test_an_entry_larger_than_the_byte_bound_is_not_cached() -> None:
    cache: SentenceCache[str] = SentenceCache(10, max_bytes=1_000, value_chars=len)
    cache.put("small", "klein")
    cache.put("x" * 5_000, "y")
    assert len(cache) == 1
    assert cache.get("small") == "klein"
