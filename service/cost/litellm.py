"""Prices from a LiteLLM ``model_prices_and_context_window.json`` the operator provides.

A platform that already maintains LiteLLM's price map keeps one source of truth: the file named
by ``MT_COST_LITELLM_PRICES`` is read once at start-up (never downloaded). Each entry becomes
the same `PriceOverride` an ``MT_COST_PRICES`` entry would::

    input_cost_per_token, output_cost_per_token   -> usd_per_million_input/output_tokens
    input_cost_per_character (no token prices)    -> usd_per_million_characters

Other entries (``sample_spec``, images, embeddings without an output price) are skipped. Numbers
are read as decimals, so ``1.25e-06`` per token is exactly 1.25 per million.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from service.cost.settings import PriceConfigError, PriceOverride, variable_name

_MILLION = Decimal(1_000_000)
VARIABLE = variable_name(("litellm_prices",))
DOCUMENTATION_ENTRY = "sample_spec"  # the file's description of its own fields


def _per_million(entry: dict[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if not isinstance(value, Decimal | int) or isinstance(value, bool) or value < 0:
        return None
    return float(Decimal(value) * _MILLION)


def price_override(entry: object, source: str, date: str) -> PriceOverride | None:
    """The `PriceOverride` of one LiteLLM entry; None when it prices neither tokens nor text."""
    if not isinstance(entry, dict):
        return None
    inputs = _per_million(entry, "input_cost_per_token")
    outputs = _per_million(entry, "output_cost_per_token")
    if inputs is not None and outputs is not None:
        return PriceOverride(
            usd_per_million_input_tokens=inputs,
            usd_per_million_output_tokens=outputs,
            source=source,
            date=date,
        )
    characters = _per_million(entry, "input_cost_per_character")
    if characters is not None and inputs is None and outputs is None:
        return PriceOverride(usd_per_million_characters=characters, source=source, date=date)
    return None


@lru_cache(maxsize=4)
def litellm_prices(path: str, date: str = "") -> dict[str, PriceOverride]:
    """Every usable entry of the file at `path` (read once per process and path)."""
    file = Path(path)
    try:
        entries = json.loads(file.read_text(encoding="utf-8"), parse_float=Decimal)
        read = date or datetime.fromtimestamp(file.stat().st_mtime, UTC).date().isoformat()
    except (OSError, ValueError) as error:
        raise PriceConfigError(f"{VARIABLE}: cannot read {path}: {error}") from None
    if not isinstance(entries, dict):
        raise PriceConfigError(f"{VARIABLE}: {path} is not a JSON object of models")
    source = f"LiteLLM price map {file.name}"
    found = {
        name: price_override(entry, source, read)
        for name, entry in entries.items()
        if name != DOCUMENTATION_ENTRY
    }
    return {name: entry for name, entry in found.items() if entry is not None}
