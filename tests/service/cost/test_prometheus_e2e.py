"""A real Prometheus on loopback scrapes the real service under load and evaluates the rules."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.deploy.manifests import metric_names
from tests.service.cost.test_monitoring import RULES, dashboard_exprs
from tests.service.routing.test_monitoring import RULES as ROUTING_RULES
from tests.service.server import RunningService, free_port, running_service
from tests.system_deps import require_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    """Session-scoped and asked for before `served`: a missing Prometheus skips before the
    models are built and the service started for it."""
    return require_server("prometheus")


@pytest.fixture(scope="module")
def served(
    cost_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    log = tmp_path_factory.mktemp("logs") / "service.log"
    with running_service(cost_models_dir, log, MT_CACHE_SIZE="0") as running:
        yield running


@pytest.fixture(scope="module")
def prometheus(
    prometheus_binary: str, served: RunningService, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Scrapes every second; the shipped rules with their group intervals set to 1 s."""
    folder = tmp_path_factory.mktemp("prometheus")
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for group in rules["groups"]:
        group["interval"] = "1s"
    (folder / "rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(folder / "rules.yaml")],
        "scrape_configs": [
            {
                "job_name": "distilled-mt",
                "static_configs": [{"targets": [served.url.removeprefix("http://")]}],
            }
        ],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    address = f"127.0.0.1:{free_port()}"
    log = (folder / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            prometheus_binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address={address}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://{address}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (folder / "prometheus.log").read_text()
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "prometheus not ready"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(15)
        log.close()


def query(url: str, expr: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10)
    response.raise_for_status()
    result: list[dict[str, Any]] = response.json()["data"]["result"]
    return result


def test_prometheus_reads_back_the_savings_rule_of_the_scraped_service(
    prometheus: str, served: RunningService
) -> None:
    stop = threading.Event()

    def load() -> None:
        texts = ["A dog is running in the park.", "Two men are sitting on a bench."]
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                body = {"text": texts, "source": "en", "target": "de"}
                http.post(f"{served.url}/v1/translate", json=body).raise_for_status()
                time.sleep(0.05)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 40
        savings: dict[str, float] = {}
        while time.monotonic() < deadline and savings.get("deepl", 0) <= 0:
            time.sleep(1)
            savings = {
                row["metric"]["teacher"]: float(row["value"][1])
                for row in query(prometheus, "teacher:mt_savings_usd_per_hour:rate5m")
            }
    finally:
        stop.set()
        worker.join(10)
    assert set(savings) == {"local", "deepl", "google", "gpt-5", "gpt-5-mini"}
    assert savings["deepl"] > 0
    ratio = query(
        prometheus, 'direction_teacher:mt_student_teacher_cost_ratio:rate5m{teacher="deepl"}'
    )
    assert 0 < float(ratio[0]["value"][1]) < 1


def test_dashboard_queries_only_exported_or_recorded_metrics(served: RunningService) -> None:
    text = httpx.get(f"{served.url}/metrics", timeout=10).text
    exported = {
        line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1].isalpha()
    }
    groups = [
        group
        for path in (RULES, ROUTING_RULES)
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    ]
    recorded = {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}
    for expr in dashboard_exprs():
        unknown = metric_names(expr) - exported - recorded
        assert not unknown, f"{expr}: {unknown}"
