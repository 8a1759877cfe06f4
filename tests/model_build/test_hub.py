"""A hub teacher that is neither cached nor downloadable is a problem said in seconds, with
what to do; a cached one, or a hub that answers, is no problem."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub.constants
import pytest

from model_build.teachers.hub import unreachable_hub_problem
from tests.service.server import free_port

MODEL = "Helsinki-NLP/opus-mt-en-de"


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    return tmp_path


@pytest.fixture
def answering_hub() -> Iterator[str]:
    """An HTTP server on loopback that answers every request with a 404."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_hub_that_cannot_be_reached_is_named_with_what_to_do(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", endpoint)
    problem = unreachable_hub_problem(MODEL)
    assert problem is not None
    assert problem.startswith(f"{MODEL} is not in the Hugging Face cache ({empty_cache})")
    assert f"{endpoint} cannot be reached" in problem and "local folder" in problem


def test_offline_mode_is_named_as_the_reason(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    assert "HF_HUB_OFFLINE is set" in str(unreachable_hub_problem(MODEL))


def test_a_hub_that_answers_at_all_leaves_the_rest_to_transformers(
    empty_cache: Path, answering_hub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", answering_hub)
    assert unreachable_hub_problem(MODEL) is None


def test_a_cached_teacher_needs_no_hub(empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", f"http://127.0.0.1:{free_port()}")
    repo = empty_cache / "models--Helsinki-NLP--opus-mt-en-de"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("0" * 40)
    (repo / "snapshots" / ("0" * 40)).mkdir(parents=True)
    (repo / "snapshots" / ("0" * 40) / "config.json").write_text("{}")
    assert unreachable_hub_problem(MODEL) is None


def test_a_local_folder_is_never_looked_up(tmp_path: Path) -> None:
    assert unreachable_hub_problem(str(tmp_path)) is None


def test_validate_says_so_in_seconds_not_a_minute(tmp_path: Path) -> None:
    config = tmp_path / "hub.yaml"
    config.write_text(
        "name: hub\nversion: 0.1.0\nsource_lang: en\ntarget_lang: de\n"
        f"work_dir: {tmp_path / 'work'}\n"
        "prepare:\n  sources:\n    - source: ../shared/data/multi30k/val.en.gz\n"
        "      target: ../shared/data/multi30k/val.de.gz\n"
        f"teacher:\n  family: marian\n  model: {MODEL}\n",
        encoding="utf-8",
    )
    env = {"HF_HOME": str(tmp_path / "hf"), "HF_ENDPOINT": f"http://127.0.0.1:{free_port()}"}
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from model_build.entry import main; main()",
            "validate",
            str(config),
        ],
        capture_output=True,
        text=True,
        env={**_base_env(), **env},
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    assert f"{MODEL} is not in the Hugging Face cache" in result.stdout + result.stderr
    assert elapsed < 20  # transformers alone retried for ~55 s here


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
