"""The remote teacher clients against real HTTP peers on loopback: what they send, what they
make of the answer, and the one error type (with a reason) for everything that goes wrong."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service.teachers.base import TeacherClient, TeacherError
from service.teachers.chat import ChatTeacherClient
from service.teachers.deepl import DeepLTeacher
from service.teachers.mt import MtTeacher
from tests.service.server import free_port

Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class Peer:
    """A uvicorn server in a thread answering every POST with `answer(body)`."""

    def __init__(self, answer: Answer) -> None:
        self.calls: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        app = FastAPI()

        @app.post("/{path:path}")
        async def any_post(path: str, request: Request) -> JSONResponse:
            body: dict[str, Any] = await request.json()
            self.calls.append((path, dict(request.headers), body))
            status, content = answer(body)
            return JSONResponse(content, status_code=status)

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def peer() -> Iterator[Callable[[Answer], Peer]]:
    started: list[Peer] = []

    def start(answer: Answer) -> Peer:
        started.append(Peer(answer))
        return started[-1]

    yield start
    for running in started:
        running.stop()


def call(client: TeacherClient, texts: list[str]) -> list[str]:
    async def run() -> list[str]:
        await client.start()
        try:
            return (await client.translate(texts, "en", "de")).translations
        finally:
            await client.close()

    return asyncio.run(run())


def chat_answer(content: str) -> tuple[int, dict[str, Any]]:
    message = {"message": {"role": "assistant", "content": content}}
    return 200, {"choices": [message], "usage": {"prompt_tokens": 10, "completion_tokens": 5}}


def test_chat_sentences_go_as_the_lines_of_one_call_and_come_back_in_order(
    peer: Callable[[Answer], Peer],
) -> None:
    running = peer(lambda body: chat_answer(body["messages"][-1]["content"].upper()))
    client = ChatTeacherClient("t", f"{running.url}/v1", 5, "gpt-4o-mini", None, "sk-x")
    assert call(client, ["one [1].", "two."]) == ["ONE [1].", "TWO."]
    ((path, headers, body),) = running.calls
    assert path == "v1/chat/completions"
    assert headers["authorization"] == "Bearer sk-x"
    assert "exactly 2 lines" in body["messages"][0]["content"]


def test_a_chat_answer_with_another_number_of_lines_is_a_bad_answer(
    peer: Callable[[Answer], Peer],
) -> None:
    running = peer(lambda body: chat_answer("only one line"))
    client = ChatTeacherClient("t", f"{running.url}/v1", 5, "gpt-4o-mini", None)
    with pytest.raises(TeacherError) as caught:
        call(client, ["one.", "two."])
    assert caught.value.reason == "bad_answer"


def test_deepl_is_sent_upper_case_codes_and_its_key_and_priced_per_character(
    peer: Callable[[Answer], Peer],
) -> None:
    running = peer(lambda body: (200, {"translations": [{"text": t[::-1]} for t in body["text"]]}))
    client = DeepLTeacher("t", running.url, 5, usd_per_character=1e-6, api_key="k")

    async def run() -> Any:
        await client.start()
        try:
            return await client.translate(["abc", "de"], "en", "de")
        finally:
            await client.close()

    answer = asyncio.run(run())
    assert answer.translations == ["cba", "ed"]
    assert answer.cost_usd == pytest.approx(5e-6)
    ((path, headers, body),) = running.calls
    assert (path, body["source_lang"], body["target_lang"]) == ("v2/translate", "EN", "DE")
    assert headers["authorization"] == "DeepL-Auth-Key k"


def test_http_errors_and_wrong_shapes_are_teacher_errors_with_a_reason(
    peer: Callable[[Answer], Peer],
) -> None:
    failing = peer(lambda body: (500, {"error": "boom"}))
    with pytest.raises(TeacherError) as caught:
        call(MtTeacher("t", failing.url, 5), ["a."])
    assert caught.value.reason == "http_error"
    assert "a." not in str(caught.value)  # never the request's text
    short = peer(lambda body: (200, {"translations": []}))
    with pytest.raises(TeacherError) as caught:
        call(MtTeacher("t", short.url, 5), ["a."])
    assert caught.value.reason == "bad_answer"


def test_a_silent_peer_times_out_and_a_closed_port_is_unavailable() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(TeacherError) as caught:
            call(MtTeacher("t", url, 0.5), ["a."])
        assert caught.value.reason == "timeout"
        assert time.monotonic() - started < 2
    with pytest.raises(TeacherError) as caught:
        call(MtTeacher("t", f"http://127.0.0.1:{free_port()}", 0.5), ["a."])
    assert caught.value.reason == "unavailable"
