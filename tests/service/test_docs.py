"""The service's documentation names every setting an operator can set."""

from __future__ import annotations

from service.settings import ServiceSettings
from tests.service.server import REPO


def test_every_mt_variable_is_documented() -> None:
    docs = (REPO / "docs" / "service.md").read_text(encoding="utf-8")
    missing = [
        f"MT_{name.upper()}"
        for name in ServiceSettings.model_fields
        if f"`MT_{name.upper()}`" not in docs
    ]
    assert missing == []
