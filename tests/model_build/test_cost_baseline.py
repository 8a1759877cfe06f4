"""The bundle's cost baseline says which hardware the teacher was measured on, and its price."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bundle import CostBaseline
from model_build.config import load_config
from model_build.steps.bundle import teacher_gpu_price

CONFIG = Path(__file__).resolve().parents[2] / "model_build" / "configs" / "tiny-en-de.yaml"


def baseline(**teacher_fields: object) -> CostBaseline:
    return CostBaseline(
        hardware="2 vCPU Intel Xeon",
        threads=2,
        measured_at=datetime(2026, 12, 1, tzinfo=UTC),
        teacher_seconds_per_1k_tokens=0.3,
        teacher_backend="transformers fp32",
        student_seconds_per_1k_tokens=0.2,
        hardware_usd_per_hour=0.08925,
        price_source="AWS c7i.large",
        **teacher_fields,  # type: ignore[arg-type]
    )


def test_a_teacher_measured_on_a_gpu_is_priced_as_that_gpu() -> None:
    config = load_config(CONFIG)
    on_gpu = baseline(**teacher_gpu_price(config, "1x NVIDIA A10G"))
    assert on_gpu.teacher_measured_on == "1x NVIDIA A10G"
    assert on_gpu.teacher_usd_per_hour == config.bundle.teacher_gpu_usd_per_hour == 1.006
    assert on_gpu.teacher_price_source == config.bundle.teacher_gpu_price_source


def test_a_teacher_measured_on_the_cpus_is_priced_as_them() -> None:
    on_cpu = baseline(**teacher_gpu_price(load_config(CONFIG), None))
    assert on_cpu.teacher_measured_on == "2 vCPU Intel Xeon"
    assert on_cpu.teacher_usd_per_hour == 0.08925
