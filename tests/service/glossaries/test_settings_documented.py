"""Every glossary setting is in the operator's references: README.md and docs/glossaries.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.glossaries import GlossarySettings

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("document", ["README.md", "docs/glossaries.md"])
def test_every_glossary_setting_has_a_row(document: str) -> None:
    text = (REPO / document).read_text(encoding="utf-8")
    missing = [
        f"MT_GLOSSARY_{name.upper()}"
        for name in GlossarySettings.model_fields
        if f"| `MT_GLOSSARY_{name.upper()}` |" not in text
    ]
    assert missing == []
