"""The `model-build` console script: the CLI, or one line saying how to install it.

`pip install .` brings the serving dependencies only; typer, torch, transformers and the rest
of the build's come with the `build` extra. Without them the CLI would end in a
`ModuleNotFoundError` traceback, so a module missing from outside this project becomes one
line and exit 2, the code of every other usage error.
"""

from __future__ import annotations

import logging
import sys

PROJECT_PACKAGES = ("bundle", "model_build", "service")
INSTALL_HINT = "pip install '.[build]'"

log = logging.getLogger("model_build")


def main() -> None:
    try:
        from model_build.cli import main as run_cli

        run_cli()
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if not missing or missing in PROJECT_PACKAGES:
            raise
        logging.basicConfig(format="model-build: %(message)s", stream=sys.stderr)
        log.error("the build extra is not installed (no module %r): %s", missing, INSTALL_HINT)
        sys.exit(2)
