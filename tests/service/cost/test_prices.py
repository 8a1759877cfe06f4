"""Prices, teacher-equivalent formulas and price configuration errors."""

from __future__ import annotations

import math
from datetime import date

import pytest
from prometheus_client import CollectorRegistry

from service.cost.accounting import CostAccounting
from service.cost.prices import (
    BUILT_IN,
    CHAT_FRAMING_TOKENS,
    CHAT_SYSTEM_PROMPT,
    ChatTeacher,
    LocalTeacher,
    RequestTexts,
    build_teachers,
)
from service.cost.settings import PriceConfigError, load_cost_settings
from service.cost.staleness import read_on
from tests.service.cost.conftest import BASELINE

REQUEST = RequestTexts(
    source="en",
    target="de",
    texts=["A dog is running.", "Two men sit on a bench."],
    translations=["Ein Hund rennt.", "Zwei Männer sitzen auf einer Bank."],
    characters=40,
    output_tokens=17,
)


def teachers(**env: str) -> dict[str, object]:
    return {t.name: t for t in build_teachers(load_cost_settings(**env))}


def test_every_built_in_price_has_a_source_and_a_date_it_was_read() -> None:
    for name, entry in BUILT_IN.items():
        assert len(entry.source) > 20, name
        day = read_on(entry.date)
        assert day is not None and date(2026, 1, 1) <= day <= date.today(), name


def test_default_teachers_are_what_a_user_compares_against_today() -> None:
    assert load_cost_settings().teacher_names() == [
        "local",
        "deepl",
        "google",
        "gpt-5",
        "gpt-5-mini",
    ]


def test_deepl_and_google_are_priced_per_million_characters() -> None:
    found = teachers()
    assert found["deepl"].cost_usd("en-de", REQUEST) == pytest.approx(40 * 25.0 / 1e6)  # type: ignore[attr-defined]
    assert found["google"].cost_usd("en-de", REQUEST) == pytest.approx(40 * 20.0 / 1e6)  # type: ignore[attr-defined]


def test_chat_teacher_counts_one_call_per_text_with_the_prompt() -> None:
    gpt = teachers()["gpt-5"]
    assert isinstance(gpt, ChatTeacher)
    prompt = math.ceil(len(CHAT_SYSTEM_PROMPT.format(source="en", target="de")) / 4)
    inputs = sum(prompt + CHAT_FRAMING_TOKENS + math.ceil(len(t) / 4) for t in REQUEST.texts)
    outputs = sum(math.ceil(len(t) / 4) for t in REQUEST.translations)
    assert gpt.tokens(REQUEST) == (inputs, outputs)
    assert gpt.cost_usd("en-de", REQUEST) == pytest.approx(inputs * 1.25e-6 + outputs * 10e-6)


def local_teacher(**env: object) -> LocalTeacher:
    local = LocalTeacher(load_cost_settings(**env))
    assert local.cost_usd("en-de", REQUEST) is None  # no bundle baseline yet
    local.learn("en-de", BASELINE)
    return local


def test_local_teacher_prices_output_tokens_at_the_bundles_measured_rate() -> None:
    expected = 17 * 2.0 / 1000 * 0.526 / 3600
    assert local_teacher().cost_usd("en-de", REQUEST) == pytest.approx(expected)


def test_a_teacher_measured_on_a_gpu_is_priced_at_that_gpus_price() -> None:
    on_gpu = BASELINE.model_copy(
        update={"teacher_hardware": "1x NVIDIA A10G", "teacher_hardware_usd_per_hour": 1.006}
    )
    local = LocalTeacher(load_cost_settings())
    rate = local.learn("en-de", on_gpu)
    assert rate.hardware == "1x NVIDIA A10G"
    assert local.cost_usd("en-de", REQUEST) == pytest.approx(17 * 2.0 / 1000 * 1.006 / 3600)


def test_local_teacher_is_priced_on_the_production_hardware_given(
    caplog: pytest.LogCaptureFixture,
) -> None:
    production = {
        "local_teacher_hardware": "AWS g5.xlarge (1x A10G)",
        "local_teacher_usd_per_hour": 1.006,
        "local_teacher_price_date": "2026-11",
    }
    measured_there = local_teacher(**production, local_teacher_seconds_per_1k_tokens=0.25)
    assert measured_there.cost_usd("en-de", REQUEST) == pytest.approx(
        17 * 0.25 / 1000 * 1.006 / 3600
    )
    assert measured_there.rates["en-de"].date == "2026-11"
    assert "SECONDS_PER_1K_TOKENS" not in caplog.text
    speed_from_elsewhere = local_teacher(**production)
    assert speed_from_elsewhere.cost_usd("en-de", REQUEST) == pytest.approx(
        17 * 2.0 / 1000 * 1.006 / 3600
    )
    assert "with the speed measured on 1x NVIDIA T4 (test figure)" in caplog.text


def test_production_hardware_without_its_price_is_refused() -> None:
    with pytest.raises(PriceConfigError, match=r"^MT_COST_LOCAL_TEACHER_HARDWARE"):
        load_cost_settings(local_teacher_hardware="AWS g5.xlarge")


def test_prices_variable_replaces_and_adds_teachers() -> None:
    found = teachers(
        teachers="deepl,my-llm",
        prices={
            "deepl": {"usd_per_million_characters": 30, "source": "contract", "date": "2026-01"},
            "my-llm": {"usd_per_million_input_tokens": 1, "usd_per_million_output_tokens": 2},
        },
    )
    assert found["deepl"].cost_usd("en-de", REQUEST) == pytest.approx(40 * 30 / 1e6)  # type: ignore[attr-defined]
    assert isinstance(found["my-llm"], ChatTeacher)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MT_COST_VCPU_USD_PER_HOUR": "-1"}, "MT_COST_VCPU_USD_PER_HOUR"),
        ({"MT_COST_VCPU_USD_PER_HOUR": "cheap"}, "MT_COST_VCPU_USD_PER_HOUR"),
        ({"MT_COST_TEACHERS": "deepl,nobody"}, "MT_COST_TEACHERS"),
        ({"MT_COST_PRICES": "{not json"}, "MT_COST_PRICES"),
        ({"MT_COST_PRICES": '{"deepl": {"usd_per_million_characters": -2}}'}, "MT_COST_PRICES"),
        ({"MT_COST_SHADOW_FRACTION": "1.5"}, "MT_COST_SHADOW_FRACTION"),
    ],
)
def test_a_bad_price_setting_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(PriceConfigError, match=rf"^{variable}"):
        build_teachers(load_cost_settings())


def test_a_price_entry_with_both_kinds_of_price_is_refused() -> None:
    prices = {"x": {"usd_per_million_characters": 1, "usd_per_million_input_tokens": 1}}
    with pytest.raises(PriceConfigError, match=r"^MT_COST_PRICES \(x\)"):
        teachers(teachers="x", prices=prices)


def test_shadow_sampling_without_a_teacher_url_is_refused() -> None:
    with pytest.raises(PriceConfigError, match=r"^MT_COST_SHADOW_URL"):
        CostAccounting(load_cost_settings(shadow_fraction=0.5), CollectorRegistry())


def test_openai_shadow_needs_a_model_with_token_prices() -> None:
    settings = load_cost_settings(
        shadow_url="http://127.0.0.1:9/v1", shadow_fraction=1, shadow_protocol="openai"
    )
    with pytest.raises(PriceConfigError, match=r"^MT_COST_SHADOW_MODEL"):
        CostAccounting(settings, CollectorRegistry())
