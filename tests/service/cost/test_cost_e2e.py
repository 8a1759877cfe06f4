"""Cost accounting on the real server: usage block, attribution under load, formulas, start-up."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.cost.prices import CHAT_FRAMING_TOKENS, CHAT_SYSTEM_PROMPT
from tests.factories import caption_pairs
from tests.service.cost.conftest import BASELINE
from tests.service.cost.metrics_text import has, samples, value
from tests.service.server import RunningService, running_service, start_and_fail
from tests.system_deps import require_server

pytestmark = pytest.mark.slow

TEACHERS = ("local", "deepl", "google", "gpt-5", "gpt-5-mini")  # the default MT_COST_TEACHERS
VCPU_USD_PER_HOUR = 0.036  # a price unlike the default, to see it is the one used
# The cache off: every sentence is translated, so CPU is attributed to every request.
# No admission by expected wait: the attribution test loads the service on purpose.
ENV = {
    "MT_CACHE_SIZE": "0",
    "MT_MAX_QUEUE_WAIT_MS": "0",
    "MT_COST_VCPU_USD_PER_HOUR": str(VCPU_USD_PER_HOUR),
}


@pytest.fixture(scope="module")
def cost_service(
    cost_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("logs") / "cost.log"
    with running_service(cost_models_dir, log, **ENV) as running:
        yield running


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process from /proc, independent of the service's own clock."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chat_tokens(texts: list[str], translations: list[str]) -> tuple[int, int]:
    """docs/cost.md: one call per text, ceil(chars / 4) tokens, prompt and framing included."""
    prompt = math.ceil(len(CHAT_SYSTEM_PROMPT.format(source="en", target="de")) / 4)
    inputs = sum(prompt + CHAT_FRAMING_TOKENS + math.ceil(len(text) / 4) for text in texts)
    return inputs, sum(math.ceil(len(text) / 4) for text in translations)


def test_every_cost_series_reads_zero_before_the_first_request(
    cost_models_dir: Path, tmp_path: Path
) -> None:
    with running_service(cost_models_dir, tmp_path / "fresh.log", **ENV) as fresh:
        found = samples(fresh.url)
    for teacher in TEACHERS:
        key = (
            "mt_teacher_equivalent_cost_usd_total",
            frozenset({("direction", "en-de"), ("teacher", teacher)}),
        )
        assert found[key] == 0
    for name in (
        "mt_translated_characters_total",
        "mt_translation_requests_total",
        "mt_shadow_dropped_total",
    ):
        assert has(found, name, direction="en-de")
        assert value(found, name, direction="en-de") == 0
    assert ("mt_request_student_cost_usd_count", frozenset({("direction", "en-de")})) in found
    assert value(found, "mt_vcpu_price_usd_per_second") == pytest.approx(VCPU_USD_PER_HOUR / 3600)
    assert value(found, "mt_teacher_price_info", teacher="local", source=BASELINE.price_source) == 1


def test_usage_block_carries_student_and_teacher_equivalent_costs(
    cost_service: RunningService,
) -> None:
    texts = ["A dog is running in the park.", "Two men are sitting on a bench."]
    response = httpx.post(
        f"{cost_service.url}/v1/translate",
        json={"text": texts, "source": "en", "target": "de"},
        timeout=30,
    )
    usage = response.json()["usage"]
    assert usage["cpu_seconds"] > 0
    assert usage["student_cost_usd"] == pytest.approx(
        usage["cpu_seconds"] * VCPU_USD_PER_HOUR / 3600
    )
    teacher = usage["teacher_equivalent_cost_usd"]
    assert set(teacher) == set(TEACHERS)
    assert teacher["deepl"] == pytest.approx(usage["characters"] * 25 / 1e6)
    assert teacher["local"] == pytest.approx(usage["output_tokens"] * 2.0 / 1000 * 0.526 / 3600)
    inputs, outputs = chat_tokens(texts, response.json()["translations"])
    assert teacher["gpt-5-mini"] == pytest.approx(inputs * 0.25e-6 + outputs * 2.0e-6)


async def _load(url: str, clients: int, rounds: int) -> list[tuple[list[str], dict[str, object]]]:
    sources = [source for source, _ in caption_pairs(seed=5)]  # repeats: the cache is off
    answers: list[tuple[list[str], dict[str, object]]] = []

    async def client(number: int, http: httpx.AsyncClient) -> None:
        for round_ in range(rounds):
            start = (number * rounds + round_) * 2
            texts = [sources[start % len(sources)], sources[(start + 1) % len(sources)]]
            response = await http.post(
                f"{url}/v1/translate", json={"text": texts, "source": "en", "target": "de"}
            )
            response.raise_for_status()
            answers.append((texts, response.json()))

    async with httpx.AsyncClient(timeout=60) as http:
        await asyncio.gather(*(client(n, http) for n in range(clients)))
    return answers


def test_attributed_cpu_adds_up_to_process_cpu_and_teacher_totals_follow_the_formulas(
    cost_service: RunningService,
) -> None:
    before_metrics = samples(cost_service.url)
    before_cpu = process_cpu_seconds(cost_service.process.pid)
    answers = asyncio.run(_load(cost_service.url, clients=8, rounds=40))
    used = process_cpu_seconds(cost_service.process.pid) - before_cpu
    after = samples(cost_service.url)

    attributed = sum(float(body["usage"]["cpu_seconds"]) for _, body in answers)  # type: ignore[index]
    assert used > 0.3, f"too little load to compare ({used:.2f} s)"
    assert attributed == pytest.approx(used, rel=0.10), (
        f"attributed {attributed:.3f} s, used {used:.3f} s"
    )

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before_metrics, name, **labels)

    characters = delta("mt_translated_characters_total", direction="en-de")
    output_tokens = delta("mt_output_tokens_total", direction="en-de")
    assert characters == sum(len(t) for texts, _ in answers for t in texts)
    assert delta("mt_student_cpu_seconds_total") == pytest.approx(attributed, rel=0.05)

    def teacher_total(teacher: str) -> float:
        return delta("mt_teacher_equivalent_cost_usd_total", teacher=teacher)

    assert teacher_total("deepl") == pytest.approx(characters * 25 / 1e6)
    assert teacher_total("google") == pytest.approx(characters * 20 / 1e6)
    assert teacher_total("local") == pytest.approx(output_tokens * 2.0 / 1000 * 0.526 / 3600)
    tokens = [chat_tokens(texts, body["translations"]) for texts, body in answers]  # type: ignore[arg-type]
    inputs, outputs = sum(i for i, _ in tokens), sum(o for _, o in tokens)
    assert teacher_total("gpt-5") == pytest.approx(inputs * 1.25e-6 + outputs * 10e-6)


def test_usage_block_saves_per_teacher_its_cost_minus_the_blended_cost(
    cost_service: RunningService,
) -> None:
    before = samples(cost_service.url)
    body = {"text": ["A man is riding a bike."], "source": "en", "target": "de"}
    usage = httpx.post(f"{cost_service.url}/v1/translate", json=body, timeout=30).json()["usage"]
    after = samples(cost_service.url)
    saved = usage["saved_usd"]
    assert set(saved) == set(TEACHERS)
    for teacher, cost in usage["teacher_equivalent_cost_usd"].items():
        assert saved[teacher] == pytest.approx(cost - usage["blended_cost_usd"])
        exported = value(after, "mt_saved_usd", teacher=teacher)
        assert exported - value(before, "mt_saved_usd", teacher=teacher) == pytest.approx(
            saved[teacher]
        )
    assert saved["deepl"] > 0


def test_student_cost_counter_agrees_with_the_per_request_histogram_when_all_are_answered(
    cost_service: RunningService,
) -> None:
    asyncio.run(_load(cost_service.url, clients=4, rounds=10))
    found = samples(cost_service.url)
    counted = value(found, "mt_student_cost_usd_total", direction="en-de")
    per_request = value(found, "mt_request_student_cost_usd_sum", direction="en-de")
    assert counted > 0
    assert per_request == pytest.approx(counted, rel=1e-9)


def test_a_stale_price_warns_at_start_up_and_exports_its_age(
    cost_models_dir: Path, tmp_path: Path
) -> None:
    stale = {"usd_per_million_characters": 25, "source": "a 2024 contract", "date": "2024-10"}
    log = tmp_path / "stale.log"
    with running_service(
        cost_models_dir, log, MT_COST_PRICES=json.dumps({"deepl": stale})
    ) as served:
        found = samples(served.url)
    year = 365 * 86_400
    assert value(found, "mt_price_age_seconds", teacher="deepl") > year
    assert value(found, "mt_price_age_seconds", teacher="google") < year
    assert value(found, "mt_vcpu_price_age_seconds") < year
    warnings = [line for line in log.read_text().splitlines() if "is stale" in line]
    assert len(warnings) == 1
    assert "teacher deepl (en-de)" in warnings[0]
    assert "a 2024 contract" in warnings[0]


def test_live_metrics_pass_promtool_check(cost_service: RunningService) -> None:
    text = httpx.get(f"{cost_service.url}/metrics", timeout=10).text
    check = subprocess.run(
        [require_server("promtool"), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_price_configuration_error_stops_start_up_naming_the_variable(
    cost_models_dir: Path,
) -> None:
    done = start_and_fail(cost_models_dir, MT_COST_VCPU_USD_PER_HOUR="-0.5")
    assert done.returncode == 2
    assert "MT_COST_VCPU_USD_PER_HOUR" in done.stderr
    assert "Traceback" not in done.stderr
