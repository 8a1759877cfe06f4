"""Routing settings: a bad value stops start-up with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.routing.settings import RoutingConfigError, RoutingSettings, load_routing_settings
from tests.service.server import start_and_fail


def test_defaults_flag_without_a_teacher_and_capture_nothing() -> None:
    settings = load_routing_settings()
    assert (settings.mode, settings.escalating, settings.capture) == ("flag", False, False)


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"mode": "escalate"}, "MT_ROUTING_TEACHER_DIR"),
        ({"mode": "escalate", "teacher_protocol": "mt"}, "MT_ROUTING_TEACHER_URL"),
        (
            {"mode": "escalate", "teacher_protocol": "openai", "teacher_url": "http://x/v1"},
            "MT_ROUTING_TEACHER_MODEL",
        ),
        ({"max_share": 1.5}, "MT_ROUTING_MAX_SHARE"),
        ({"capture": True}, "MT_ROUTING_CAPTURE_DIR"),
    ],
)
def test_a_missing_or_bad_value_names_its_variable(
    overrides: dict[str, object], variable: str
) -> None:
    with pytest.raises(RoutingConfigError, match=f"^{variable}"):
        load_routing_settings(**overrides)


def test_every_routing_variable_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    missing = [
        f"MT_ROUTING_{name.upper()}"
        for name in RoutingSettings.model_fields
        if f"`MT_ROUTING_{name.upper()}`" not in readme
    ]
    assert missing == []


def test_a_calibrated_bundle_sets_the_threshold_and_the_dev_share() -> None:
    """The embedded bundle carries routing (mean_logprob, calibrated at build time)."""
    from bundle import read_manifest
    from service.routing.checks import dev_low_share, score_threshold
    from service.settings import EMBEDDED_BUNDLES

    manifest = read_manifest(EMBEDDED_BUNDLES / "en-de")
    assert manifest.routing is not None and manifest.normal_range is not None
    assert score_threshold(manifest) == manifest.routing.threshold
    assert dev_low_share(manifest) == manifest.routing.dev_escalated
    uncalibrated = manifest.model_copy(update={"routing": None})
    assert score_threshold(uncalibrated) == manifest.normal_range.score_p05
    assert dev_low_share(uncalibrated) == 0.05


def test_a_bad_routing_value_stops_start_up_naming_the_variable(models_dir: Path) -> None:
    done = start_and_fail(models_dir, MT_ROUTING_MODE="sometimes")
    assert done.returncode == 2
    assert "MT_ROUTING_MODE" in done.stderr
    assert "Traceback" not in done.stderr
