"""The routing rules and dashboard panels: valid, unit-tested, on the metrics the service has."""

from __future__ import annotations

import json
from pathlib import Path

from tests.service.cost.test_monitoring import DASHBOARD, promtool
from tests.service.server import REPO

RULES = REPO / "monitoring" / "prometheus" / "routing-rules.yaml"
RULE_TESTS: Path = REPO / "monitoring" / "prometheus" / "tests" / "routing_rules_test.yaml"


def test_routing_rules_pass_promtool_check_and_their_unit_tests() -> None:
    for args in (("check", "rules", RULES), ("test", "rules", RULE_TESTS)):
        done = promtool(*args)
        assert done.returncode == 0, done.stdout + done.stderr


def test_dashboard_shows_the_route_split_blended_savings_and_low_confidence_share() -> None:
    panels = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    text = " ".join(target["expr"] for panel in panels for target in panel["targets"])
    for needle in (
        "direction_route:mt_routed_sentences:rate5m",
        "direction:mt_blended_savings_ratio:rate5m",
        "direction:mt_low_confidence_ratio:rate1h",
        "mt_escalation_failures_total",
    ):
        assert needle in text, needle
