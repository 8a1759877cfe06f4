"""The work folder and the one mechanism that makes every step resumable.

Layout (see docs/build.md)::

    <work_dir>/
      prepare/  distill/  vocab/  train/  convert/  evaluate/    # finished steps
        done.json                   # fingerprint of what the step consumed, summary, seconds,
                                    # peak resident memory and the machine it ran on
      .distill.partial/             # a step in progress (chunks, checkpoints survive a kill)

A step writes into `.<step>.partial/`, and only a finished step is renamed to `<step>/` with its
`done.json`. The fingerprint hashes the step's config sections and its upstream steps'
fingerprints, so a re-run skips a step whose inputs are unchanged and re-runs one whose are not.
A partial folder is reused only while its fingerprint matches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from model_build.hardware import PeakMemory, hardware_name

log = logging.getLogger(__name__)

DONE_NAME = "done.json"
FINGERPRINT_NAME = "fingerprint"


class StepError(Exception):
    """A step cannot run (missing upstream step, failed check); the message says why."""


class Incomplete(Exception):  # noqa: N818 - a state, not a failure
    """The step did its share (e.g. one distill shard) but is not finished yet."""


@dataclass(frozen=True)
class Artifact:
    """What a step produced: its folder, what it consumed, and a few figures for the summary."""

    step: str
    path: Path
    fingerprint: str
    skipped: bool = False
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


def fingerprint(*parts: Any) -> str:
    """A stable hash of config sections (pydantic models), strings and numbers."""
    digest = hashlib.sha256()
    for part in parts:
        value = part.model_dump(mode="json") if isinstance(part, BaseModel) else part
        digest.update(json.dumps(value, sort_keys=True, default=str).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def file_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.as_posix().encode() + b"\0")
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]


class WorkDir:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, step: str) -> Path:
        return self.root / step

    def partial(self, step: str) -> Path:
        return self.root / f".{step}.partial"

    def done(self, step: str) -> dict[str, Any] | None:
        marker = self.path(step) / DONE_NAME
        if not marker.is_file():
            return None
        data: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
        return data

    def require(self, step: str) -> tuple[Path, str]:
        """The folder and fingerprint of a finished upstream step, or a `StepError`."""
        done = self.done(step)
        if done is None:
            raise StepError(f"step {step!r} has not run yet in {self.root}")
        return self.path(step), str(done["fingerprint"])

    def upstream(self, step: str) -> str:
        """The fingerprint of a finished step, or "" when it has not run (a fresh build)."""
        done = self.done(step)
        return str(done["fingerprint"]) if done else ""

    def run_step(
        self,
        step: str,
        fp: str,
        build: Callable[[Path], dict[str, Any]],
        force: bool = False,
        keep_partial: bool = False,
    ) -> Artifact:
        """Skip when done with this fingerprint; else build into the partial folder and rename.

        `keep_partial` lets a step resume from what an interrupted run left (same fingerprint);
        otherwise a leftover partial folder is wiped first.
        """
        done = self.done(step)
        if done is not None and done["fingerprint"] == fp and not force:
            log.info("%s: already done (%s), skipping", step, fp)
            return Artifact(step, self.path(step), fp, True, done["seconds"], done["summary"])
        staging = self.partial(step)
        marker = staging / FINGERPRINT_NAME
        stale = staging.exists() and (
            force
            or not keep_partial
            or not marker.is_file()
            or marker.read_text(encoding="utf-8") != fp
        )
        if stale:
            shutil.rmtree(staging)
        if staging.exists():
            log.info("%s: resuming from %s", step, staging)
        staging.mkdir(parents=True, exist_ok=True)
        marker.write_text(fp, encoding="utf-8")
        started = time.monotonic()
        with PeakMemory(every_seconds=0.5) as memory:
            summary = build(staging)
        seconds = round(time.monotonic() - started, 2)
        marker.unlink()
        record = {
            "fingerprint": fp, "seconds": seconds, "peak_memory_mb": memory.peak_rss_mb,
            "hardware": hardware_name(), "summary": summary,
        }  # fmt: skip
        (staging / DONE_NAME).write_text(json.dumps(record, indent=2), encoding="utf-8")
        final = self.path(step)
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
        log.info("%s: done in %.1f s", step, seconds)
        return Artifact(step, final, fp, False, seconds, summary)


def atomic_write_text(path: Path, text: str) -> None:
    """Write through a temp file and rename, so a kill never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1] if path.stat().st_size else []


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
