"""The steps in order, and the one-line figures the CLI's summary table shows for each."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from model_build.config import BuildConfig
from model_build.steps import (
    STEP_NAMES,
    bundle,
    convert,
    distill,
    evaluate,
    prepare,
    shortlist,
    train,
    vocab,
)
from model_build.workdir import Artifact, WorkDir

log = logging.getLogger(__name__)

StepRun = Callable[[BuildConfig, WorkDir, bool], Artifact]
STEPS: dict[str, StepRun] = {
    "prepare": prepare.run,
    "distill": distill.run,
    "vocab": vocab.run,
    "train": train.run,
    "shortlist": shortlist.run,
    "convert": convert.run,
    "evaluate": evaluate.run,
    "bundle": bundle.run,
}
assert tuple(STEPS) == STEP_NAMES


def run_step(name: str, config: BuildConfig, work: WorkDir, force: bool = False) -> Artifact:
    if name == "distill" and config.train.data == "references":
        log.info("distill: not needed, the student learns from references (train.data)")
        return Artifact("distill", work.path("distill"), "", True, 0.0, {"not": "needed"})
    if name == "shortlist" and not config.shortlist.enabled:
        log.info("shortlist: off (shortlist.enabled), the student scores its whole vocabulary")
        return Artifact("shortlist", work.path("shortlist"), "", True, 0.0, {"not": "enabled"})
    return STEPS[name](config, work, force)


def run_all(config: BuildConfig, work: WorkDir, force: bool = False) -> list[Artifact]:
    """Every step in order; finished steps with unchanged inputs are skipped."""
    return [run_step(name, config, work, force) for name in STEP_NAMES]


def figures(artifact: Artifact) -> str:
    """A few words on what a step produced, for the summary table."""
    s: dict[str, Any] = artifact.summary
    match artifact.step:
        case "prepare":
            return f"{s['train']} train, {s['dev']} dev, test {s['test']}, dropped {s['dropped']}"
        case "distill" if "kept" in s:
            return f"{s['kept']}/{s['sentences']} kept, dropped {s['dropped']}"
        case "vocab":
            return f"{s['size']} pieces, joint={s['joint']}"
        case "train":
            return (
                f"{s['steps']} steps, best dev chrF {s['best_dev_chrf']} ({s['stopped_by']}), "
                f"{s['parameters']:,} params, {s['precision']}"
            )
        case "shortlist" if "source_pieces" in s:
            return (
                f"{s['source_pieces']} source pieces x top {s['top_k']}, "
                f"{s['always']} always allowed"
            )
        case "convert":
            return f"{s['quantization']} dev chrF {s['dev_chrf']} (float32 {s['dev_chrf_float32']})"
        case "evaluate":
            parts = [f"{name}: student chrF {q['student']['chrf']}, teacher {q['teacher']['chrf']}"
                     for name, q in s["quality"].items()]  # fmt: skip
            parts += [f"{r['system']} {r['tokens_per_second']} tok/s" for r in s["speed"]]
            return "; ".join(parts)
        case "bundle":
            return str(s["output"])
    return ""
