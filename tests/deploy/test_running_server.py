"""What the image and the monitoring manifests assume of a running server, checked on one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.deploy.dockerfile import exec_form, stage
from tests.deploy.manifests import K8S, find, metric_names, rule_exprs
from tests.deploy.server import ServerProcess, copy_bundle

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_bundle: Path) -> Iterator[ServerProcess]:
    models = copy_bundle(tiny_bundle, tmp_path_factory.mktemp("models"))
    process = ServerProcess({"MT_MODELS_DIR": str(models), "MT_INTRA_THREADS": "1"})
    try:
        process.wait_ready()
        body = {"text": ["A dog is running in the park."], "source": "en", "target": "de"}
        httpx.post(f"{process.url}/v1/translate", json=body, timeout=30).raise_for_status()
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def exported(server: ServerProcess) -> set[str]:
    """Series names on /metrics (counters with their _total, histograms with _bucket...)."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1].isalpha()}


def _healthcheck(port: str) -> int:
    (check,) = stage("serve").args("HEALTHCHECK")
    command = exec_form(check.partition(" CMD ")[2])
    env = {**os.environ, "MT_PORT": port}
    return subprocess.run([sys.executable, *command[1:]], env=env, timeout=10).returncode


def test_image_healthcheck_passes_against_a_live_server(server: ServerProcess) -> None:
    assert _healthcheck(server.url.rsplit(":", 1)[1]) == 0


def test_image_healthcheck_fails_when_nothing_answers(server: ServerProcess) -> None:
    assert _healthcheck("1") != 0


# Exported only with MT_ROUTING_MODE=escalate (their label is the escalation teacher); the rules
# that use them give no series (blended savings) or fall back to the student alone (savings).
ESCALATION_ONLY = {"mt_escalation_cost_usd_total", "mt_teacher_only_cost_usd_total"}


def test_prometheus_rules_name_only_metrics_the_service_exports(exported: set[str]) -> None:
    rules = find("PrometheusRule")
    recorded = {name for name, _ in rule_exprs(rules) if ":" in name}
    for name, expr in rule_exprs(rules):
        used = {m for m in metric_names(expr) if m != "up"} - recorded - ESCALATION_ONLY
        assert used <= exported, f"{name}: {used - exported} not on /metrics"


def test_queue_depth_autoscaling_example_uses_an_exported_gauge(exported: set[str]) -> None:
    hpa = yaml.safe_load((K8S / "examples" / "hpa-queue-depth.yaml").read_text("utf-8"))
    (pods_metric,) = [m for m in hpa["spec"]["metrics"] if m["type"] == "Pods"]
    assert pods_metric["pods"]["metric"]["name"] in exported
