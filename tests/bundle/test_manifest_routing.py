"""The manifest's optional `role` and `routing`: bundles written before them still load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bundle import BundleError, CalibrationBin, Routing, RoutingPoint, open_verified, read_manifest

REPO = Path(__file__).resolve().parents[2]


def routing() -> Routing:
    return Routing(
        signal="mean_logprob",
        threshold=-0.5,
        target="budget 0.1",
        dev_escalated=0.1,
        quantiles={"p10": -0.5, "p50": -0.2},
        curve=[
            RoutingPoint(
                escalated=0.0,
                threshold=-2.0,
                bleu=30.0,
                chrf=55.0,
                bleu_vs_teacher=60.0,
                chrf_vs_teacher=75.0,
            )
        ],
        match_chrf=60.0,
        calibration=[
            CalibrationBin(signal_min=-1.5, sentences=10, p_match=0.2),
            CalibrationBin(signal_min=-0.5, sentences=10, p_match=0.6),
            CalibrationBin(signal_min=-0.2, sentences=10, p_match=0.9),
        ],
        teacher="teacher-en-de",
        measured_on="30 dev sentences",
    )


@pytest.fixture
def bundle_copy(tiny_bundle: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_bundle, tmp_path / "en-de"))


def test_a_manifest_without_role_or_routing_is_a_student_without_routing(
    bundle_copy: Path,
) -> None:
    path = bundle_copy / "bundle.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw.pop("role"), raw.pop("routing")
    path.write_text(json.dumps(raw), encoding="utf-8")
    manifest = open_verified(bundle_copy)
    assert manifest.role == "student" and manifest.routing is None


def test_the_embedded_bundle_loads_with_its_routing_or_without() -> None:
    manifest = read_manifest(REPO / "service" / "bundles" / "en-de")
    assert manifest.role == "student"
    assert manifest.routing is None or manifest.routing.calibration


def test_routing_is_written_to_bundle_json_without_touching_the_checksums(
    bundle_copy: Path,
) -> None:
    from bundle import write_manifest

    manifest = read_manifest(bundle_copy)
    write_manifest(bundle_copy, manifest.model_copy(update={"routing": routing()}))
    assert open_verified(bundle_copy).routing == routing()


def test_an_unknown_role_is_refused(bundle_copy: Path) -> None:
    path = bundle_copy / "bundle.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["role"] = "oracle"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(BundleError, match="role"):
        read_manifest(bundle_copy)


def test_the_probability_is_the_bin_of_the_signal_and_the_lowest_below_every_bin() -> None:
    table = routing()
    assert table.probability(-3.0) == 0.2
    assert table.probability(-1.0) == 0.2
    assert table.probability(-0.5) == 0.6
    assert table.probability(-0.01) == 0.9
