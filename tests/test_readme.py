"""The README is the operator's reference: every setting of every part is listed there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import httpx
import pytest
from pydantic_settings import BaseSettings

from service.cost.settings import CostSettings
from service.documents.settings import DocumentSettings
from service.settings import EMBEDDED_BUNDLES, ServiceSettings
from tests.service.server import running_service

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("settings", [ServiceSettings, CostSettings, DocumentSettings])
def test_every_environment_variable_is_documented_in_the_readme(
    settings: type[BaseSettings],
) -> None:
    prefix = settings.model_config.get("env_prefix", "")
    readme = README.read_text(encoding="utf-8")
    missing = [
        f"{prefix}{name.upper()}"
        for name in settings.model_fields
        if f"`{prefix}{name.upper()}`" not in readme
    ]
    assert missing == []


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in README.read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == "make test"


def test_the_readme_says_the_embedded_model_knows_only_captions_and_how_to_build_a_real_one() -> (
    None
):
    readme = README.read_text(encoding="utf-8")
    build = (README.parent / "docs" / "build.md").read_text(encoding="utf-8")
    assert "know only **image captions**" in readme
    assert "Helsinki-NLP/opus-mt-en-de" in readme
    assert "facebook/nllb-200-distilled-600M" in readme
    for command in ("model-build validate my-en-de.yaml", "model-build run my-en-de.yaml"):
        assert command in readme
    assert "](docs/build.md#a-student-of-your-own-a-hub-teacher-and-your-own-text)" in readme
    assert "\n## A student of your own: a hub teacher and your own text\n" in build


@pytest.mark.slow
def test_the_readmes_out_of_domain_example_is_what_the_embedded_model_answers(
    tmp_path: Path,
) -> None:
    quoted = re.search(r'`"(Click [^"]+)"` comes back\s+as `"([^"]+)"`', README.read_text())
    assert quoted is not None
    sentence, translation = quoted.groups()
    body = {"text": [sentence], "source": "en", "target": "de"}
    with running_service(EMBEDDED_BUNDLES, tmp_path / "service.log") as service:
        answer = httpx.post(f"{service.url}/v1/translate", json=body, timeout=30).json()
    assert answer["translations"] == [translation]
    assert answer["quality"][0]["low_confidence"] is True


def test_every_console_script_is_documented_in_the_readme() -> None:
    pyproject = tomllib.loads((README.parent / "pyproject.toml").read_text(encoding="utf-8"))
    readme = README.read_text(encoding="utf-8")
    assert [name for name in pyproject["project"]["scripts"] if f"`{name}" not in readme] == []
