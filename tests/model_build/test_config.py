"""Configs are validated up front, and every problem is reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from model_build.cli import app
from model_build.config import load_config, parse_overrides
from model_build.validation import validate
from tests.model_build.conftest import REPO, write_config

EXAMPLES = sorted((REPO / "model_build" / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_config_validates(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # relative paths resolve against the working directory
    if not (REPO.parent / "shared" / "data").is_dir():
        pytest.skip("../shared is not beside the repository")
    assert validate(load_config(path), check_output=False) == []


def test_the_example_configs_include_the_reference_build() -> None:
    assert {"multi30k-en-de.yaml", "tiny-en-de.yaml"} <= {p.name for p in EXAMPLES}


def test_all_config_problems_are_reported_together(
    tmp_path: Path, tiny_teacher: Path, caption_files: Path
) -> None:
    path = write_config(tmp_path, tiny_teacher, caption_files, family="fairseq-magic",
                        prepare__dev={"source": "nowhere.en", "target": "nowhere.de"})  # fmt: skip
    (tmp_path / "work" / "bundles" / "en-de").mkdir(parents=True)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "4 problem(s)" in result.output
    for expected in (
        "prepare.dev: no file matches nowhere.en",
        "prepare.dev: no file matches nowhere.de",
        "unknown family 'fairseq-magic'",
        "exists (use --force to replace it)",
    ):
        assert expected in result.output


def test_a_language_the_teacher_does_not_know_is_a_config_problem(
    tmp_path: Path, m2m100_teacher: Path, caption_files: Path
) -> None:
    path = write_config(tmp_path, m2m100_teacher, caption_files, family="m2m100",
                        target_lang="xx")  # fmt: skip
    [problem] = validate(load_config(path))
    assert problem.startswith(
        f"teacher: {m2m100_teacher} has no language code for 'xx': set teacher.target_code to "
        "one of its codes (m2m100: __af__, __am__, __ar__,"
    )


def test_an_unreachable_endpoint_is_a_config_problem(tmp_path: Path, caption_files: Path) -> None:
    path = write_config(tmp_path, "some-model", caption_files, family="openai",
                        teacher__base_url="http://127.0.0.1:9/v1")  # fmt: skip
    problems = validate(load_config(path))
    assert len(problems) == 1 and "endpoint http://127.0.0.1:9/v1 is unreachable" in problems[0]


def test_schema_errors_are_listed_together(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "source_lang": "en", "student": {"d": 1}}))
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2
    for field in ("target_lang", "work_dir", "prepare", "teacher", "student.d"):
        assert f"  - {field}: " in result.output


def test_set_pairs_override_nested_and_top_level_values_read_as_yaml() -> None:
    overrides = parse_overrides(["train.max_steps=4000", "work_dir=work/x", "train.precision=auto"])
    config = load_config(REPO / "model_build" / "configs" / "tiny-en-de.yaml", overrides)

    assert overrides["train.max_steps"] == 4000
    assert config.train.max_steps == 4000
    assert config.work_dir == "work/x"
    assert config.train.precision == "auto"
