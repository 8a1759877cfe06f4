"""Both key stores: records by hash, revocation, atomic bounded counters, usage totals."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.auth.keys import hash_key
from service.auth.store import KeyExistsError, KeyStore
from tests.service.auth.conftest import record


def test_a_key_is_found_by_its_hash_and_not_after_revocation(store: KeyStore) -> None:
    store.add(record("team-a", "mt_secret"))
    found = store.find(hash_key("mt_secret"))
    assert found is not None and found.name == "team-a"
    assert store.revoke("team-a")
    assert store.find(hash_key("mt_secret")) is None
    assert [(r.name, r.revoked) for r in store.all()] == [("team-a", True)]
    assert not store.revoke("team-a")  # revoking twice says so


def test_a_name_is_unique_even_after_revocation(store: KeyStore) -> None:
    store.add(record("team-a", "mt_one"))
    store.revoke("team-a")
    with pytest.raises(KeyExistsError, match="team-a"):
        store.add(record("team-a", "mt_two"))


def test_a_counter_adds_only_within_its_limit(store: KeyStore) -> None:
    assert store.count("c", 3, 60, 5) == 3
    assert store.count("c", 3, 60, 5) is None  # 6 would pass 5: refused, nothing added
    assert store.count("c", 2, 60, 5) == 5
    assert store.count("c", 0, 60, None) == 5


def test_a_counter_starts_again_after_its_time(store: KeyStore) -> None:
    store.count("c", 4, 1, None)
    time.sleep(2.1)
    assert store.count("c", 0, 1, None) == 0


def test_concurrent_spending_never_passes_the_limit(store: KeyStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        spent = list(pool.map(lambda _: store.count("quota", 7, 60, 100), range(40)))
    granted = [total for total in spent if total is not None]
    assert len(granted) == 100 // 7
    assert store.count("quota", 0, 60, None) == 7 * (100 // 7)


def test_usage_totals_add_up_per_name(store: KeyStore) -> None:
    store.add_usage("team-a", {"requests": 1, "student_cost_usd": 0.25})
    store.add_usage("team-a", {"requests": 1, "characters": 40})
    store.add_usage("team-b", {"requests": 1})
    assert store.usage("team-a") == {"requests": 2, "characters": 40, "student_cost_usd": 0.25}
    assert store.usage("nobody") == {}
