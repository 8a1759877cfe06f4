"""The chat-endpoint teacher against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from model_build.config import TeacherConfig
from model_build.teachers.huggingface import MarianTeacher
from model_build.teachers.openai import OpenAIChatTeacher, TeacherEndpointError
from tests.model_build.conftest import REPO

SENTENCES = ["A dog is running in the park.", "A woman is sitting on a bench.", "A boy."]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chat_server(tiny_teacher: Path) -> Iterator[str]:
    """The test server in a subprocess; 2 × 429 first, then real translations."""
    port = free_port()
    env = {**os.environ, "CHAT_TEACHER": str(tiny_teacher), "CHAT_FAIL_FIRST": "2",
           "CHAT_KEY": "secret", "OMP_NUM_THREADS": "1"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.model_build.chat_server:app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/models", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chat server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def chat_teacher(base: str, key_env: str = "CHAT_TEST_KEY") -> OpenAIChatTeacher:
    config = TeacherConfig(family="openai", model="tiny-marian", base_url=base,
                           api_key_env=key_env, concurrency=2, max_retries=3)  # fmt: skip
    teacher = OpenAIChatTeacher(config, "en", "de", beam_size=4, max_length=64)
    teacher.backoff_s = 0.01
    return teacher


def test_the_chat_teacher_retries_429_and_records_token_usage(
    chat_server: str, tiny_teacher: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_TEST_KEY", "secret")
    teacher = chat_teacher(chat_server)
    translations = teacher.translate(SENTENCES)
    direct = MarianTeacher(TeacherConfig(family="marian", model=str(tiny_teacher)),
                           "en", "de", 4, 64, 1).translate(SENTENCES)  # fmt: skip
    assert translations == direct
    assert teacher.usage["retries"] == 2
    assert teacher.usage["requests"] == len(SENTENCES)
    assert teacher.usage["completion_tokens"] == teacher.output_tokens > 0
    assert teacher.usage["prompt_tokens"] > 0


def test_a_refused_key_fails_at_once_instead_of_retrying(
    chat_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_TEST_KEY", "wrong")
    with pytest.raises(TeacherEndpointError, match="answered 401"):
        chat_teacher(chat_server).translate(SENTENCES[:1])


def test_a_live_endpoint_passes_validation(chat_server: str) -> None:
    config = TeacherConfig(family="openai", model="tiny-marian", base_url=chat_server)
    assert OpenAIChatTeacher.check(config, "en", "de", check_endpoint=True) == []
