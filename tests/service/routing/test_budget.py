"""The escalation budget: a share of a sliding window of sentences, and calls in flight."""

from __future__ import annotations

import threading

from service.routing.budget import EscalationBudget


def test_at_most_the_share_of_the_window_is_granted_until_confident_traffic_passes() -> None:
    budget = EscalationBudget(max_share=0.2, window=10, max_in_flight=4)
    assert budget.admit(sentences=2, wanted=2) == 2  # 2 of any 10 sentences
    assert budget.admit(sentences=1, wanted=1) == 0
    assert budget.admit(sentences=7, wanted=0) == 0  # the window is full: 2 of 10
    assert budget.admit(sentences=1, wanted=1) == 1  # the first escalated one left it
    assert budget.admit(sentences=1, wanted=1) == 1  # then the second
    assert budget.admit(sentences=1, wanted=1) == 0  # the last 10 hold 2 escalated again
    assert budget.share() == 0.2


def test_concurrent_requests_never_exceed_the_budget_together() -> None:
    budget = EscalationBudget(max_share=0.3, window=100, max_in_flight=4)
    granted: list[int] = []

    def request() -> None:
        granted.append(budget.admit(sentences=2, wanted=2))

    threads = [threading.Thread(target=request) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 30


def test_calls_beyond_the_in_flight_limit_are_refused_at_once() -> None:
    budget = EscalationBudget(max_share=1.0, window=10, max_in_flight=2)
    assert [budget.enter(), budget.enter(), budget.enter()] == [True, True, False]
    budget.leave()
    assert budget.enter()
