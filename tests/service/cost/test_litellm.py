"""Prices from a LiteLLM-format price map price requests exactly as MT_COST_PRICES would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.cost.litellm import litellm_prices
from service.cost.prices import CharacterPricedTeacher, ChatTeacher, RequestTexts, build_teachers
from service.cost.settings import PriceConfigError, load_cost_settings
from service.cost.staleness import read_on

REQUEST = RequestTexts(
    source="en",
    target="de",
    texts=["A dog is running.", "Two men sit on a bench."],
    translations=["Ein Hund rennt.", "Zwei Männer sitzen auf einer Bank."],
    characters=40,
    output_tokens=17,
)

# The shape of LiteLLM's model_prices_and_context_window.json: a documentation entry, chat
# models priced per token, a model priced per character, and entries that price no text.
PRICE_MAP = """{
  "sample_spec": {"max_tokens": "LEGACY parameter", "input_cost_per_token": 0.0,
                  "output_cost_per_token": 0.0, "litellm_provider": "one of ..."},
  "gpt-5": {"max_input_tokens": 272000, "input_cost_per_token": 1.25e-06,
            "output_cost_per_token": 1e-05, "litellm_provider": "openai", "mode": "chat"},
  "my-llm": {"input_cost_per_token": 3.3e-07, "output_cost_per_token": 1.7e-06,
             "litellm_provider": "openai", "mode": "chat"},
  "char-mt": {"input_cost_per_character": 1.5e-05, "mode": "chat"},
  "text-embedding-3-small": {"input_cost_per_token": 2e-08, "mode": "embedding"},
  "dall-e-3": {"input_cost_per_pixel": 4e-08, "mode": "image_generation"}
}"""

SAME_AS_PRICES = {
    "gpt-5": {"usd_per_million_input_tokens": 1.25, "usd_per_million_output_tokens": 10},
    "my-llm": {"usd_per_million_input_tokens": 0.33, "usd_per_million_output_tokens": 1.7},
    "char-mt": {"usd_per_million_characters": 15},
}


@pytest.fixture
def price_map(tmp_path: Path) -> Path:
    path = tmp_path / "model_prices_and_context_window.json"
    path.write_text(PRICE_MAP, encoding="utf-8")
    return path


def costs(**settings: object) -> dict[str, float | None]:
    found = build_teachers(load_cost_settings(teachers="gpt-5,my-llm,char-mt", **settings))
    return {teacher.name: teacher.cost_usd("en-de", REQUEST) for teacher in found}


def test_litellm_entries_price_requests_exactly_as_the_same_prices_entries(
    price_map: Path,
) -> None:
    from_file = costs(litellm_prices=str(price_map))
    assert from_file == costs(prices=SAME_AS_PRICES)
    assert all(cost is not None and cost > 0 for cost in from_file.values())


def test_token_and_character_entries_become_chat_and_character_teachers(
    price_map: Path,
) -> None:
    settings = load_cost_settings(teachers="my-llm,char-mt", litellm_prices=str(price_map))
    chat, characters = build_teachers(settings)
    assert isinstance(chat, ChatTeacher)
    assert isinstance(characters, CharacterPricedTeacher)
    assert chat.source == "LiteLLM price map model_prices_and_context_window.json"


def test_entries_that_price_no_text_are_skipped(price_map: Path) -> None:
    loaded = litellm_prices(str(price_map), "2026-11")
    assert set(loaded) == {"gpt-5", "my-llm", "char-mt"}
    assert {entry.date for entry in loaded.values()} == {"2026-11"}


def test_prices_entries_win_over_the_file(price_map: Path) -> None:
    mine = {"gpt-5": {"usd_per_million_input_tokens": 1, "usd_per_million_output_tokens": 2}}
    both = costs(litellm_prices=str(price_map), prices={**SAME_AS_PRICES, **mine})
    assert both["gpt-5"] == costs(prices={**SAME_AS_PRICES, **mine})["gpt-5"]


def test_the_files_date_is_its_modification_date_unless_given(price_map: Path) -> None:
    settings = load_cost_settings(teachers="gpt-5", litellm_prices=str(price_map))
    (from_mtime,) = build_teachers(settings)
    assert read_on(from_mtime.date) == datetime.fromtimestamp(price_map.stat().st_mtime, UTC).date()
    dated = settings.model_copy(update={"litellm_prices_date": "2026-11"})
    assert build_teachers(dated)[0].date == "2026-11"


def test_an_unreadable_price_map_is_refused_naming_the_variable(tmp_path: Path) -> None:
    broken = tmp_path / "prices.json"
    broken.write_text("{not json", encoding="utf-8")
    for path in (broken, tmp_path / "missing.json"):
        with pytest.raises(PriceConfigError, match=r"^MT_COST_LITELLM_PRICES"):
            build_teachers(load_cost_settings(teachers="gpt-5", litellm_prices=str(path)))
