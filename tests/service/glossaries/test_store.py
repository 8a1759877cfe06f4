"""Both stores keep glossaries whole and bounded; Redis shares them between replicas."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count

import pytest

from service.glossaries.errors import GlossaryStoreFullError
from service.glossaries.store import (
    GlossaryInfo,
    GlossaryStore,
    LocalGlossaryStore,
    RedisGlossaryStore,
)

_prefixes = count()
StoreMaker = Callable[[int, int], GlossaryStore]


@pytest.fixture(params=["local", "redis"])
def make_store(request: pytest.FixtureRequest) -> Iterator[StoreMaker]:
    """Stores with the given (max glossaries, max total bytes); Redis ones share one prefix."""
    made: list[GlossaryStore] = []
    prefix = f"test{next(_prefixes)}:"

    def make(max_glossaries: int, max_total_bytes: int) -> GlossaryStore:
        if request.param == "local":
            store: GlossaryStore = LocalGlossaryStore(max_glossaries, max_total_bytes)
        else:
            url = request.getfixturevalue("redis_url")
            store = RedisGlossaryStore(url, max_glossaries, max_total_bytes, prefix)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def info(glossary_id: str) -> GlossaryInfo:
    return GlossaryInfo(
        glossary_id=glossary_id,
        name="n",
        source_lang="en",
        target_lang="de",
        creation_time="2026-12-01T00:00:00.000Z",
        entry_count=1,
    )


def test_a_glossary_is_read_back_whole_and_deleted(make_store: StoreMaker) -> None:
    store = make_store(10, 1000)
    store.add(info("g1"), {"bike": "Velo", "train": "Zug"}, 20)
    assert store.info("g1") == info("g1")
    assert store.entries("g1") == {"bike": "Velo", "train": "Zug"}
    assert [found.glossary_id for found in store.all()] == ["g1"]
    assert store.delete("g1") is True
    assert store.info("g1") is None
    assert store.entries("g1") is None
    assert store.delete("g1") is False


def test_a_store_with_max_glossaries_refuses_one_more(make_store: StoreMaker) -> None:
    store = make_store(2, 1000)
    store.add(info("a"), {"a": "b"}, 3)
    store.add(info("b"), {"a": "b"}, 3)
    with pytest.raises(GlossaryStoreFullError, match="at most 2 glossaries"):
        store.add(info("c"), {"a": "b"}, 3)
    assert store.info("c") is None


def test_a_store_refuses_entries_over_its_total_bytes_and_deleting_frees_them(
    make_store: StoreMaker,
) -> None:
    store = make_store(10, 100)
    store.add(info("a"), {"a": "b"}, 60)
    with pytest.raises(GlossaryStoreFullError, match="100 bytes of entries"):
        store.add(info("b"), {"a": "b"}, 41)
    store.delete("a")
    store.add(info("b"), {"a": "b"}, 100)
    assert store.info("b") is not None


def test_two_redis_stores_see_the_same_glossaries_and_limits(redis_url: str) -> None:
    first = RedisGlossaryStore(redis_url, 1, 1000, "shared:")
    second = RedisGlossaryStore(redis_url, 1, 1000, "shared:")
    try:
        first.add(info("g"), {"bike": "Velo"}, 9)
        assert second.entries("g") == {"bike": "Velo"}
        with pytest.raises(GlossaryStoreFullError):
            second.add(info("h"), {"a": "b"}, 3)
        assert second.delete("g")
        assert first.info("g") is None
    finally:
        first.close()
        second.close()


def test_a_glossary_keeps_its_owner_in_the_store_but_never_in_an_answer(
    make_store: StoreMaker,
) -> None:
    store = make_store(5, 1000)
    store.add(info("g1").model_copy(update={"owner": "team-a"}), {"bike": "Velo"}, 9)

    stored = store.info("g1")

    assert stored is not None and stored.owner == "team-a"
    assert "owner" not in stored.model_dump() and "team-a" not in stored.model_dump_json()
