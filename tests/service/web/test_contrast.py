"""The page's colours keep WCAG AA contrast: 4.5:1 for text, 3:1 for the focus ring."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[3] / "service" / "web" / "static" / "app.css").read_text()
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))

# (foreground, background, least ratio): every pair the stylesheet puts together.
PAIRS = [
    ("ink", "paper", 4.5),
    ("ink", "panel", 4.5),
    ("muted", "panel", 4.5),
    ("muted", "paper", 4.5),
    ("accent", "panel", 4.5),  # links
    ("#ffffff", "accent", 4.5),  # buttons
    ("#3d4450", "#d5dae0", 4.5),  # disabled buttons
    ("warn-ink", "warn-paper", 4.5),
    ("error-ink", "panel", 4.5),
    ("focus", "paper", 3.0),
    ("focus", "panel", 3.0),
]


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colour(name: str) -> str:
    return name if name.startswith("#") else VARIABLES[name]


@pytest.mark.parametrize(("foreground", "background", "least"), PAIRS)
def test_colour_pair_has_enough_contrast(foreground: str, background: str, least: float) -> None:
    ratio = contrast(colour(foreground), colour(background))
    assert ratio >= least, f"{foreground} on {background}: {ratio:.2f}"


def test_the_disabled_button_colours_are_the_stylesheets() -> None:
    assert "background: #d5dae0; color: #3d4450;" in CSS
