"""`model-build validate`: every problem that would make a build fail, found before heavy work.

Schema errors come from `config.load_config`; this module checks what a schema cannot: input
files that match nothing, the teacher (family, folder, language codes, endpoint), the student's
shape and an output folder that another build wrote.
"""

from __future__ import annotations

import os
from pathlib import Path

from model_build.config import TEACHER_FAMILIES, BuildConfig, expand


def validate(
    config: BuildConfig,
    force: bool = False,
    check_endpoint: bool = True,
    check_output: bool = True,
) -> list[str]:
    """Every problem that would make the build fail, found without loading any model.

    An existing output folder is a problem unless `force`, or unless this work folder wrote it
    (a re-run of the same build may update its own bundle).
    """
    problems: list[str] = []
    prep = config.prepare
    named = [(f"prepare.sources[{i}]", files) for i, files in enumerate(prep.sources)]
    if prep.dev is not None:
        named.append(("prepare.dev", prep.dev))
    named += [(f"prepare.test.{name}", files) for name, files in prep.test.items()]
    for where, files in named:
        for pattern in files.paths():
            if not expand(pattern):
                problems.append(f"{where}: no file matches {pattern}")
    has_refs = any(f.target or f.tsv for f in prep.sources)
    if (prep.dev is None or not prep.test) and not has_refs:
        problems.append("prepare: dev/test sets must be given when no source has references")
    if prep.dev is not None and not (prep.dev.target or prep.dev.tsv):
        problems.append("prepare.dev: needs references (`target` or `tsv`)")
    if config.calibrate.enabled and "dev" in prep.test:
        problems.append("prepare.test: 'dev' names the calibration set (rename the test set)")
    if config.train.data == "references" and not has_refs:
        problems.append("train.data=references needs sources with references")

    problems += _teacher_problems(config, check_endpoint)

    if config.student.preset == "custom":
        missing = {"encoder_layers", "decoder_layers", "d_model", "ffn_dim", "attention_heads"}
        missing -= config.student.dims().keys()
        if missing:
            problems.append(f"student: preset custom needs {', '.join(sorted(missing))}")
    dims = config.student.dims()
    if dims.get("d_model", 0) % max(dims.get("attention_heads", 1), 1):
        problems.append("student: d_model must be a multiple of attention_heads")
    if config.evaluate.baseline_bundle and not Path(config.evaluate.baseline_bundle).is_dir():
        problems.append(f"evaluate.baseline_bundle: no folder {config.evaluate.baseline_bundle}")
    if check_output and config.output_path.exists() and not force and not _ours(config):
        problems.append(f"bundle.output: {config.output_path} exists (use --force to replace it)")
    return problems


def _ours(config: BuildConfig) -> bool:
    from model_build.workdir import WorkDir

    done = WorkDir(config.work_path).done("bundle")
    return done is not None and done["summary"].get("output") == str(config.output_path.resolve())


def _teacher_problems(config: BuildConfig, check_endpoint: bool) -> list[str]:
    teacher = config.teacher
    if teacher.family not in TEACHER_FAMILIES:
        return [
            f"teacher.family: unknown family {teacher.family!r} ({', '.join(TEACHER_FAMILIES)})"
        ]
    from model_build.teachers import teacher_class

    cls = teacher_class(teacher.family)
    problems: list[str] = []
    if teacher.family == "openai":
        if not teacher.base_url:
            problems.append("teacher.base_url: required for family openai")
        if teacher.api_key_env and not os.environ.get(teacher.api_key_env):
            problems.append(
                f"teacher.api_key_env: environment variable {teacher.api_key_env} unset"
            )
    elif not _looks_like_hub_id(teacher.model) and not Path(teacher.model).is_dir():
        problems.append(f"teacher.model: no folder {teacher.model}")
        return problems
    if problems:
        return problems
    return [
        f"teacher: {p}"
        for p in cls.check(teacher, config.source_lang, config.target_lang, check_endpoint)
    ]


def _looks_like_hub_id(model: str) -> bool:
    """`org/name` that is not a local path: left to the hub (not reachable from CI)."""
    return (
        model.count("/") == 1
        and not model.startswith((".", "/", "~"))
        and not Path(model).exists()
        and not Path(model.split("/")[0]).exists()
    )
