"""Every MT_AUTH_ setting is documented where operators look: the README and docs/auth.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.auth.settings import AuthSettings

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("doc", ["README.md", "docs/auth.md"])
def test_every_auth_setting_has_a_row(doc: str) -> None:
    text = (REPO / doc).read_text(encoding="utf-8")
    names = [f"MT_AUTH_{field.upper()}" for field in AuthSettings.model_fields]
    assert [name for name in names if f"| `{name}` |" not in text] == []


def test_keys_are_off_by_default() -> None:
    assert AuthSettings().enabled is False
