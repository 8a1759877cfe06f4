"""Admission by expected waiting time (service.engine.admission)."""

from __future__ import annotations

import pytest

from service.engine.admission import Admission


def test_nothing_is_refused_before_the_speed_is_known() -> None:
    admission = Admission(workers=1, max_wait_s=0.1)
    assert all(admission.try_admit(1_000) is None for _ in range(10))


def test_a_request_is_refused_when_the_backlog_would_take_longer_than_the_budget() -> None:
    admission = Admission(workers=2, max_wait_s=0.1)
    admission.observe(tokens=100, seconds=0.1)  # 1 ms a token per replica, 2 replicas
    assert admission.try_admit(150) is None  # alone: admitted whatever it costs
    assert admission.try_admit(40) is None  # (150 + 40) x 1 ms / 2 = 95 ms
    wait = admission.try_admit(20)  # 105 ms
    assert wait == pytest.approx(0.105)
    assert admission.backlog_tokens == 190


def test_released_work_makes_room_again() -> None:
    admission = Admission(workers=1, max_wait_s=0.1)
    admission.observe(tokens=10, seconds=0.01)
    assert admission.try_admit(90) is None
    assert admission.try_admit(20) is not None
    admission.release(90)
    assert admission.try_admit(20) is None


def test_the_speed_follows_recent_batches() -> None:
    admission = Admission(workers=1, max_wait_s=1.0)
    admission.observe(tokens=100, seconds=0.1)
    for _ in range(30):
        admission.observe(tokens=100, seconds=1.0)
    assert admission.expected_wait(100) == pytest.approx(1.0, rel=0.01)


def test_a_zero_budget_turns_admission_off() -> None:
    admission = Admission(workers=1, max_wait_s=0)
    admission.observe(tokens=1, seconds=10.0)
    assert admission.try_admit(10) is None
    assert admission.try_admit(10) is None


def test_small_batches_do_not_set_the_speed() -> None:
    # A one-sentence call (the warm-up, a lone request) pays the fixed cost for few tokens.
    admission = Admission(workers=1, max_wait_s=0.1, min_batch_tokens=128)
    admission.observe(tokens=10, seconds=0.05)
    assert admission.expected_wait(1_000) == 0.0
    admission.observe(tokens=200, seconds=0.04)
    assert admission.expected_wait(1_000) == pytest.approx(0.2)
