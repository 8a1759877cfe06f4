"""The README is the operator's reference: every setting of every part is listed there."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from service.cost.settings import CostSettings
from service.documents.settings import DocumentSettings
from service.settings import ServiceSettings

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
