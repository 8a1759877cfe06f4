"""Checkpoint averaging: the mean of the student's weights at its last few evaluations.

Averaging the weights of checkpoints a few hundred steps apart smooths the noise of the last
updates (a cheap ensemble in one model, as Marian's `--exponential-smoothing` and fairseq's
`average_checkpoints.py` do). The train step keeps the weights of its last `average_checkpoints`
evaluations on disk (so a resumed run has them too) and, at the end, keeps the average only if
its dev chrF beats the best single checkpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_PREFIX = "step-"


def keep(state: dict[str, Any], folder: Path, step: int, most: int) -> None:
    """Save `state` (a model's state dict) as the checkpoint of `step`, keeping the last `most`."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{_PREFIX}{step:08d}.tmp"
    torch.save(state, tmp)
    tmp.rename(tmp.with_suffix(".pt"))
    for old in checkpoints(folder)[:-most]:
        old.unlink()


def checkpoints(folder: Path) -> list[Path]:
    """The kept checkpoints, oldest first."""
    return sorted(folder.glob(f"{_PREFIX}*.pt")) if folder.is_dir() else []


def average(paths: list[Path]) -> dict[str, Any]:
    """The element-wise mean of the checkpoints' floating-point tensors (others: the last's)."""
    import torch

    states = [torch.load(path, weights_only=True) for path in paths]
    mean: dict[str, Any] = {}
    for name, last in states[-1].items():
        if last.is_floating_point():
            mean[name] = (
                sum(state[name].double() for state in states).div(len(states)).to(last.dtype)
            )
        else:
            mean[name] = last
    return mean
