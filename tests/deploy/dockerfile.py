"""A small Dockerfile reader: stages and their instructions, enough to check what they run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.deploy.manifests import ROOT


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]


def stages(path: Path = ROOT / "Dockerfile") -> list[Stage]:
    """Every build stage in order; continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", path.read_text(encoding="utf-8"))
    found: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), " ".join(rest.split())
        if keyword == "FROM":
            base, _, name = rest.partition(" AS ")
            found.append(Stage(name=name.strip(), base=base.strip()))
        elif found:
            found[-1].instructions.append((keyword, rest))
    return found


def stage(name: str) -> Stage:
    return next(s for s in stages() if s.name == name)


def exec_form(rest: str) -> list[str]:
    """The JSON array of a CMD/ENTRYPOINT/HEALTHCHECK CMD (shell form is refused)."""
    value = json.loads(rest[rest.index("[") :])
    assert isinstance(value, list)
    return [str(v) for v in value]
