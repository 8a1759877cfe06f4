"""The Prometheus rules and the Grafana dashboard: valid, unit-tested, and in step with k8s."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.service.server import REPO
from tests.system_deps import require_server

RULES = REPO / "monitoring" / "prometheus" / "rules.yaml"
ROUTING_RULES = REPO / "monitoring" / "prometheus" / "routing-rules.yaml"
RULE_TESTS = REPO / "monitoring" / "prometheus" / "tests" / "rules_test.yaml"
DASHBOARD = REPO / "monitoring" / "grafana" / "distilled-mt-cost.json"
K8S_RULE = REPO / "k8s" / "prometheusrule.yaml"


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_server("promtool"), *map(str, args)], capture_output=True, text=True, timeout=60
    )


def test_rules_file_passes_promtool_check() -> None:
    done = promtool("check", "rules", RULES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_rules_pass_their_promtool_unit_tests() -> None:
    done = promtool("test", "rules", RULE_TESTS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_plain_prometheus_rules_equal_the_kubernetes_prometheusrule() -> None:
    plain = [
        group
        for path in (RULES, ROUTING_RULES)
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    ]
    k8s = yaml.safe_load(K8S_RULE.read_text(encoding="utf-8"))["spec"]["groups"]
    assert plain == k8s


def test_cost_group_records_savings_cost_per_1k_characters_and_ratio() -> None:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    (cost,) = [group for group in groups if group["name"] == "distilled-mt.cost"]
    recorded = {rule["record"] for rule in cost["rules"] if "record" in rule}
    assert {
        "teacher:mt_savings_usd_per_hour:rate5m",
        "direction:mt_student_cost_usd_per_1k_characters:rate5m",
        "direction_teacher:mt_student_teacher_cost_ratio:rate5m",
    } <= recorded


def dashboard_exprs() -> list[str]:
    panels: list[dict[str, Any]] = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def test_dashboard_shows_cost_savings_throughput_latency_queue_and_agreement() -> None:
    text = " ".join(dashboard_exprs())
    for needle in (
        "mt_student_cost_usd",
        "mt_teacher_equivalent_cost_usd",
        "mt_savings_usd_per_hour",
        "mt_translated_characters_total",
        "mt_http_request_duration_seconds_bucket",
        "mt_queue_depth_requests",
        "mt_shadow_agreement_chrf",
        "mt_saved_usd",
        "mt_price_age_seconds",
    ):
        assert needle in text, needle
