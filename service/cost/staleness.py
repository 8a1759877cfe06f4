"""How old a price is: a price list read long ago makes every saving it implies a guess.

A price's ``date`` is when it was read (``YYYY-MM``, ``YYYY-MM-DD`` or an ISO timestamp; a month
counts from its first day). At start-up each price's age is exported in seconds, Prometheus'
base unit (``mt_price_age_seconds``, ``mt_vcpu_price_age_seconds``), and one older than
``MT_COST_PRICE_MAX_AGE_DAYS`` logs a warning; an undated price (``unknown``) is infinitely old.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import UTC, date, datetime

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def read_on(text: str) -> date | None:
    """The day a price was read, or None when `text` is no date."""
    text = text.strip()
    try:
        if _MONTH.match(text):
            return date.fromisoformat(f"{text}-01")
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def age_days(text: str, today: date | None = None) -> float:
    """Days since the price was read; infinity when it carries no date."""
    day = read_on(text)
    if day is None:
        return math.inf
    return float(((today or datetime.now(UTC).date()) - day).days)


def warn_if_stale(what: str, source: str, date_text: str, age: float, max_age_days: int) -> None:
    """One start-up warning for a price older than the allowed age (never request text)."""
    if age <= max_age_days:
        return
    read = "no date" if math.isinf(age) else f"read {date_text}, {age:.0f} days ago"
    logger.warning(
        "price of %s is stale (%s; more than MT_COST_PRICE_MAX_AGE_DAYS=%d): %s; check it and "
        "set MT_COST_PRICES",
        what,
        read,
        max_age_days,
        source,
    )
