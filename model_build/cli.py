"""`model-build`: the pipeline's command line, a thin layer over `model_build.steps`.

    model-build run CONFIG.yaml            # every step, skipping finished ones, then a summary
    model-build distill CONFIG --shard 3/16
    model-build validate CONFIG.yaml       # report every config problem, touch nothing
    model-build normal-range BUNDLE --train TRAIN.gz --dev DEV.gz   # refresh bundle.json's range
    model-build teacher-bundle CONFIG OUT_DIR   # the teacher itself as a CTranslate2 int8 bundle
    model-build calibrate BUNDLE --teacher T --dev SRC --dev-ref REF [--budget 0.1]   # routing

Logging is configured here once; torch and transformers are imported only inside the steps.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from model_build.config import BuildConfig, ConfigError, load_config, parse_overrides
from model_build.validation import validate
from model_build.workdir import Artifact, Incomplete, StepError, WorkDir

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
log = logging.getLogger("model_build")

ConfigArg = Annotated[Path, typer.Argument(help="Build config (YAML).")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Re-run the step(s) and replace an existing bundle.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config value: --set train.max_steps=100."),
]


@app.callback()
def _options(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _prepare(path: Path, force: bool, sets: list[str] | None, check_output: bool) -> BuildConfig:
    """Load and validate, or exit 2 listing every problem."""
    try:
        config = load_config(path, parse_overrides(sets))
        problems = validate(config, force=force, check_output=check_output)
    except ConfigError as exc:
        problems = exc.problems
    if problems:
        typer.echo(f"{path}: {len(problems)} problem(s):", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(2)
    return config


def _summary(artifacts: list[Artifact]) -> None:
    from model_build.pipeline import figures

    typer.echo(f"\n{'step':<9} {'status':<8} {'seconds':>8}  figures")
    for artifact in artifacts:
        status = "skipped" if artifact.skipped else "ran"
        typer.echo(f"{artifact.step:<9} {status:<8} {artifact.seconds:>8.1f}  {figures(artifact)}")


def _run(name: str, path: Path, force: bool, sets: list[str] | None) -> None:
    from model_build.pipeline import run_step

    config = _prepare(path, force, sets, check_output=name == "bundle")
    try:
        _summary([run_step(name, config, WorkDir(config.work_path), force)])
    except StepError as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from None


@app.command()
def run(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Run every step in order, skipping those already done with the same inputs."""
    from model_build.pipeline import run_step
    from model_build.steps import STEP_NAMES

    build = _prepare(config, force, set_, check_output=True)
    work = WorkDir(build.work_path)
    artifacts: list[Artifact] = []
    try:
        for name in STEP_NAMES:
            artifacts.append(run_step(name, build, work, force))
    except StepError as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from None
    finally:
        _summary(artifacts)


@app.command("validate")
def validate_command(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Check the config (files, teacher, languages, endpoint, output) and report every problem."""
    _prepare(config, force, set_, check_output=True)
    typer.echo(f"{config}: ok")


@app.command()
def prepare(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Read, normalise, deduplicate and filter the text; hold out dev and test."""
    _run("prepare", config, force, set_)


@app.command()
def distill(
    config: ConfigArg,
    shard: Annotated[str | None, typer.Option(help="Translate only shard i of n: 'i/n'.")] = None,
    force: ForceOpt = False,
    set_: SetOpt = None,
) -> None:
    """Translate the training source with the teacher (resumable, shardable)."""
    from model_build.steps import distill as step

    build = _prepare(config, force, set_, check_output=False)
    try:
        artifact = step.run(build, WorkDir(build.work_path), force, shard=_shard(shard))
    except Incomplete as exc:
        typer.echo(f"{exc}; run the other shards, the last one merges")
        return
    except StepError as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from None
    _summary([artifact])


def _shard(text: str | None) -> tuple[int, int] | None:
    from model_build.steps.distill import parse_shard

    if text is None:
        return None
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def vocab(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Train the student's SentencePiece vocabulary."""
    _run("vocab", config, force, set_)


@app.command()
def train(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Train the student (resumes from its last checkpoint)."""
    _run("train", config, force, set_)


@app.command()
def shortlist(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Build the vocabulary map (top-k target pieces per source piece, frequent pieces)."""
    _run("shortlist", config, force, set_)


@app.command()
def convert(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Convert the student to CTranslate2 int8 and check what quantization costs."""
    _run("convert", config, force, set_)


@app.command()
def evaluate(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Score student and teacher; measure their speed side by side."""
    _run("evaluate", config, force, set_)


@app.command("bundle")
def bundle_command(config: ConfigArg, force: ForceOpt = False, set_: SetOpt = None) -> None:
    """Write and seal the bundle with its report."""
    _run("bundle", config, force, set_)


@app.command("normal-range")
def normal_range_command(
    bundle_dir: Annotated[Path, typer.Argument(help="Bundle folder to measure and update.")],
    train: Annotated[list[Path], typer.Option("--train", help="Training source text (.gz ok).")],
    dev: Annotated[Path, typer.Option("--dev", help="Dev source text, one sentence a line.")],
) -> None:
    """Measure a bundle's normal range (input lengths, dev output ratios and scores) into its
    bundle.json; the bundle step does this itself for new builds."""
    from model_build.normal_range import update_bundle

    update_bundle(bundle_dir, train, dev)


def main() -> None:
    app()


@app.command("teacher-bundle")
def teacher_bundle_command(
    config: ConfigArg,
    output: Annotated[Path, typer.Argument(help="Folder to write the teacher bundle to.")],
    quantization: Annotated[str, typer.Option(help="CTranslate2 quantization.")] = "int8",
    force: ForceOpt = False,
    set_: SetOpt = None,
) -> None:
    """Pack the config's teacher as a bundle (role teacher) the service can run."""
    from model_build.teacher_bundle import pack

    build = _prepare(config, force, set_, check_output=False)
    try:
        manifest = pack(build.teacher, build.source_lang, build.target_lang, output,
                        build.evaluate.beam_size, quantization, force)  # fmt: skip
    except StepError as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from None
    typer.echo(f"{output}: teacher bundle, {len(manifest.files)} files")


@app.command("calibrate")
def calibrate_command(
    bundle_dir: Annotated[Path, typer.Argument(help="Student bundle to calibrate and update.")],
    teacher: Annotated[Path, typer.Option(help="Teacher bundle, or Hugging Face folder.")],
    dev: Annotated[Path, typer.Option("--dev", help="Dev source text (.gz ok).")],
    dev_ref: Annotated[Path, typer.Option("--dev-ref", help="Dev references, line-aligned.")],
    budget: Annotated[float | None, typer.Option(help="Share of dev to escalate.")] = None,
    bleu_share: Annotated[
        float | None, typer.Option(help="Instead: share of teacher-only BLEU to reach.")
    ] = None,
    signal: Annotated[
        list[str] | None, typer.Option("--signal", help="Signal(s) to compare (repeatable).")
    ] = None,
    match_chrf: Annotated[float, typer.Option(help="Sentence chrF counted as a match.")] = 60.0,
) -> None:
    """Calibrate an existing bundle's routing (threshold, curve, probability table) on dev
    against a teacher, into its bundle.json; new builds are calibrated by evaluate."""
    from pydantic import ValidationError

    from model_build.calibration import update_bundle
    from model_build.config import CalibrateConfig

    try:
        options = {"budget": budget, "bleu_share": bleu_share, "match_chrf": match_chrf}
        settings = CalibrateConfig.model_validate(options | ({"signals": signal} if signal else {}))
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from None
    try:
        routing = update_bundle(bundle_dir, teacher, dev, dev_ref, settings)
    except StepError as exc:
        log.error("%s", exc)
        raise typer.Exit(1) from None
    typer.echo(
        f"{bundle_dir}: escalate when {routing.signal} < {routing.threshold} "
        f"({routing.target}: {100 * routing.dev_escalated:.1f}% of dev)"
    )
