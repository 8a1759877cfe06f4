"""The precision the train step runs in: bf16 autocast only where the hardware does it natively.

bf16 and fp32 runs of one config differ in rounding, not in quality (docs/build.md, "The sixth
experiment"); emulated bf16, on a CPU without AMX or AVX512-BF16, is several times slower than
fp32, so `auto` never picks it.
"""

from __future__ import annotations

from typing import Any

from model_build.config import TrainConfig


def autocast_dtype(train: TrainConfig, device: str) -> Any:
    """bf16 where the hardware multiplies it natively (AMX or AVX512-BF16 CPUs, bf16 GPUs), else
    None (fp32): emulated bf16 is several times slower than fp32."""
    import torch

    if train.precision == "fp32":
        return None
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    if train.precision == "bf16" or native_bf16_cpu():
        return torch.bfloat16
    return None


def native_bf16_cpu() -> bool:
    """Whether this CPU has bf16 matrix instructions (AMX tiles or AVX512-BF16)."""
    import torch

    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)


def autocast(dtype: Any, device: str) -> Any:
    """bf16 autocast where `autocast_dtype` chose it, else nothing."""
    import contextlib

    import torch

    return contextlib.nullcontext() if dtype is None else torch.autocast(device, dtype=dtype)
