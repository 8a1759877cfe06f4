"""A models folder whose en-de bundle carries a measured cost baseline (for the 'local' teacher)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bundle import CostBaseline, open_verified, seal

BASELINE = CostBaseline(
    hardware="1x NVIDIA T4 (test figure)",
    threads=4,
    measured_at=datetime(2026, 11, 1, tzinfo=UTC),
    teacher_seconds_per_1k_tokens=2.0,
    teacher_backend="transformers fp16",
    student_seconds_per_1k_tokens=0.5,
    hardware_usd_per_hour=0.526,
    price_source="https://aws.amazon.com/ec2/pricing/on-demand/ g4dn.xlarge",
)


@pytest.fixture(scope="session")
def cost_models_dir(tmp_path_factory: pytest.TempPathFactory, tiny_bundle: Path) -> Path:
    """One direction, en-de, re-sealed with `BASELINE`."""
    folder = tmp_path_factory.mktemp("cost-models") / "en-de"
    shutil.copytree(tiny_bundle, folder)
    seal(folder, open_verified(folder).model_copy(update={"cost": BASELINE}))
    return folder.parent
