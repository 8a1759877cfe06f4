"""Shadow mode against real peers on loopback: a second instance of the service as teacher, and
a teacher that never answers (to see that the user's answer never waits and drops are counted)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from tests.service.cost.metrics_text import Samples, has, samples, value
from tests.service.server import RunningService, free_port, running_service, start_and_fail

pytestmark = pytest.mark.slow

TEXTS = [["A dog is running in the park."], ["Two men are sitting on a bench."], ["A girl."]]


@pytest.fixture(scope="module")
def teacher(
    cost_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """The same bundle served by another process: agreement must be perfect."""
    log = tmp_path_factory.mktemp("logs") / "teacher.log"
    with running_service(cost_models_dir, log, MT_CACHE_SIZE="0") as running:
        yield running


def translate(service: RunningService, texts: list[str]) -> httpx.Response:
    body = {"text": texts, "source": "en", "target": "de"}
    response = httpx.post(f"{service.url}/v1/translate", json=body, timeout=30)
    response.raise_for_status()
    return response


def wait_for(url: str, name: str, expected: float, timeout: float = 30, **labels: str) -> Samples:
    deadline = time.monotonic() + timeout
    while True:
        found = samples(url)
        if value(found, name, **labels) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_sampled_requests_are_translated_by_the_teacher_and_scored(
    teacher: RunningService, cost_models_dir: Path, tmp_path: Path
) -> None:
    env = {
        "MT_COST_SHADOW_URL": teacher.url,
        "MT_COST_SHADOW_FRACTION": "1",
        "MT_COST_SHADOW_NAME": "ct2-teacher",
    }
    with running_service(cost_models_dir, tmp_path / "student.log", **env) as student:
        for texts in TEXTS:
            translate(student, texts)
        found = wait_for(student.url, "mt_shadow_requests_total", 3, status="ok")
    labels = {"direction": "en-de", "teacher": "ct2-teacher"}
    assert value(found, "mt_shadow_requests_total", status="ok", **labels) == 3
    assert value(found, "mt_shadow_requests_total", status="error", **labels) == 0
    assert value(found, "mt_shadow_duration_seconds_count", **labels) == 3
    assert value(found, "mt_shadow_cost_usd_total", **labels) > 0  # the teacher's own usage
    assert value(found, "mt_shadow_agreement_chrf_count", **labels) == 3
    assert value(found, "mt_shadow_agreement_chrf_sum", **labels) == pytest.approx(300)
    assert value(found, "mt_shadow_sample_ratio") == 1
    teacher_seen = samples(teacher.url)
    assert value(teacher_seen, "mt_translation_requests_total", direction="en-de") >= 3


def test_a_busy_teacher_never_delays_answers_and_drops_are_counted(
    cost_models_dir: Path, tmp_path: Path
) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        env = {
            "MT_COST_SHADOW_URL": f"http://127.0.0.1:{port}",
            "MT_COST_SHADOW_FRACTION": "1",
            "MT_COST_SHADOW_MAX_IN_FLIGHT": "1",
            "MT_COST_SHADOW_TIMEOUT_SECONDS": "3",
        }
        with running_service(cost_models_dir, tmp_path / "student.log", **env) as student:
            started = time.monotonic()
            for texts in TEXTS:
                translate(student, texts)
            assert time.monotonic() - started < 2.5  # under the teacher's 3 s timeout
            found = samples(student.url)
            assert value(found, "mt_shadow_dropped_total", teacher="shadow") == 2
            found = wait_for(student.url, "mt_shadow_requests_total", 1, status="error")
            assert value(found, "mt_shadow_requests_total", status="error") == 1
            assert has(found, "mt_shadow_requests_total", status="ok")
            assert value(found, "mt_shadow_requests_total", status="ok") == 0


class ChatPeer:
    """An OpenAI-compatible chat endpoint on loopback (uvicorn in a thread) that answers every
    call with the user's text and fixed token usage, and records what it was sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, dict[str, Any]]] = []
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request) -> dict[str, Any]:
            body: dict[str, Any] = await request.json()
            self.calls.append((request.headers.get("authorization"), body))
            text = body["messages"][-1]["content"]
            return {
                "choices": [{"message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20},
            }

        port = free_port()
        self.url = f"http://127.0.0.1:{port}/v1"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ChatPeer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def test_openai_shadow_is_priced_from_the_tokens_the_endpoint_reports(
    cost_models_dir: Path, tmp_path: Path
) -> None:
    with ChatPeer() as peer:
        env = {
            "MT_COST_SHADOW_URL": peer.url,
            "MT_COST_SHADOW_PROTOCOL": "openai",
            "MT_COST_SHADOW_MODEL": "gpt-4o-mini",
            "MT_COST_SHADOW_API_KEY": "sk-test",
            "MT_COST_SHADOW_FRACTION": "1",
        }
        with running_service(cost_models_dir, tmp_path / "student.log", **env) as student:
            translate(student, ["A dog is running.", "A girl."])
            found = wait_for(student.url, "mt_shadow_requests_total", 1, status="ok")
            logs = student.logs()
    assert value(found, "mt_shadow_requests_total", status="ok") == 1
    # Two texts, one call each, at gpt-4o-mini's $0.15 / $0.60 per million tokens.
    assert value(found, "mt_shadow_cost_usd_total") == pytest.approx(
        2 * (100 * 0.15 + 20 * 0.60) / 1e6
    )
    assert value(found, "mt_shadow_agreement_chrf_count") == 1
    assert [auth for auth, _ in peer.calls] == ["Bearer sk-test"] * 2
    assert {body["model"] for _, body in peer.calls} == {"gpt-4o-mini"}
    assert "from en to de" in peer.calls[0][1]["messages"][0]["content"]
    assert "sk-test" not in logs


def test_openai_shadow_without_a_priced_model_stops_start_up(cost_models_dir: Path) -> None:
    done = start_and_fail(
        cost_models_dir,
        MT_COST_SHADOW_URL="http://127.0.0.1:9/v1",
        MT_COST_SHADOW_PROTOCOL="openai",
        MT_COST_SHADOW_MODEL="unknown-model",
        MT_COST_SHADOW_FRACTION="0.5",
    )
    assert done.returncode == 2
    assert "MT_COST_SHADOW_MODEL" in done.stderr
