"""A price read too long ago warns at start-up; its age is what the gauge exports."""

from __future__ import annotations

import logging
import math
from datetime import date

import pytest

from service.cost.staleness import age_days, read_on, warn_if_stale

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03", date(2026, 3, 1)),
        ("2026-10-15", date(2026, 10, 15)),
        ("2026-11-26T09:23:00+00:00", date(2026, 11, 26)),
        ("unknown", None),
        ("", None),
    ],
)
def test_a_price_date_is_a_month_a_day_or_a_timestamp(text: str, day: date | None) -> None:
    assert read_on(text) == day


def test_age_counts_days_since_the_price_was_read_and_an_undated_price_is_infinitely_old() -> None:
    assert age_days("2026-11", TODAY) == 30
    assert age_days("2024-10", TODAY) == 791
    assert math.isinf(age_days("unknown", TODAY))


def test_a_price_older_than_the_allowed_age_warns_naming_it_and_its_source(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="service.cost.staleness"):
        warn_if_stale("teacher deepl (en-de)", "a 2024 page", "2024-10", 791.0, 365)
    (record,) = caplog.records
    assert "teacher deepl (en-de)" in record.getMessage()
    assert "read 2024-10, 791 days ago" in record.getMessage()
    assert "MT_COST_PRICE_MAX_AGE_DAYS=365" in record.getMessage()


def test_a_price_within_the_allowed_age_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="service.cost.staleness"):
        warn_if_stale("teacher google (en-de)", "a page", "2026-11", 30.0, 365)
        warn_if_stale("teacher google (en-de)", "a page", "2025-12-01", 365.0, 365)
    assert caplog.records == []


def test_an_undated_price_warns_as_stale(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="service.cost.staleness"):
        warn_if_stale("teacher my-llm (en-de)", "MT_COST_PRICES", "unknown", math.inf, 365)
    assert "no date" in caplog.text
