"""Every limit answers a clear 4xx in the one error envelope (real server on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from tests.service.conftest import LIMITS
from tests.service.server import RunningService

MAX_BODY = int(LIMITS["MT_MAX_BODY_BYTES"])


def post(service: RunningService, payload: object) -> httpx.Response:
    return httpx.post(f"{service.url}/v1/translate", json=payload, timeout=30)


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_a_body_over_the_limit_is_refused_by_its_content_length(service: RunningService) -> None:
    response = post(service, {"text": "a" * MAX_BODY, "source": "en", "target": "de"})
    assert response.status_code == 413
    assert error_code(response) == "body_too_large"


def test_a_chunked_body_over_the_limit_is_refused_by_the_bytes_received(
    service: RunningService,
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"source": "en", "target": "de", "text": "'
        for _ in range(MAX_BODY // 100 + 2):
            yield b"a" * 100
        yield b'"}'

    response = httpx.post(
        f"{service.url}/v1/translate",
        content=chunks(),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert error_code(response) == "body_too_large"


def test_too_many_texts_are_refused(service: RunningService) -> None:
    count = int(LIMITS["MT_MAX_TEXTS_PER_REQUEST"]) + 1
    response = post(service, {"text": ["Hi."] * count, "source": "en", "target": "de"})
    assert response.status_code == 413
    assert error_code(response) == "too_many_texts"


def test_too_many_characters_are_refused(service: RunningService) -> None:
    texts = ["A dog is running. " * 10] * 10  # 1,800 characters, under the body limit
    response = post(service, {"text": texts, "source": "en", "target": "de"})
    assert response.status_code == 413
    assert error_code(response) == "too_many_characters"


def test_an_empty_text_is_unprocessable(service: RunningService) -> None:
    for text in ("", "   \n", [], ["A dog.", ""]):
        response = post(service, {"text": text, "source": "en", "target": "de"})
        assert response.status_code == 422, text
        assert error_code(response) == "empty_text"


def test_a_text_that_is_not_a_string_is_unprocessable(service: RunningService) -> None:
    response = post(service, {"text": 42, "source": "en", "target": "de"})
    assert response.status_code == 422
    assert error_code(response) == "invalid_request"


def test_malformed_json_is_unprocessable(service: RunningService) -> None:
    response = httpx.post(
        f"{service.url}/v1/translate",
        content=b'{"text": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert error_code(response) == "invalid_request"


def test_an_unknown_direction_names_the_directions_served(service: RunningService) -> None:
    response = post(service, {"text": "Hello.", "source": "en", "target": "fr"})
    assert response.status_code == 400
    assert error_code(response) == "unsupported_direction"
    assert "en-de" in response.json()["error"]["message"]


def test_an_unknown_route_answers_in_the_error_envelope(service: RunningService) -> None:
    response = httpx.get(f"{service.url}/v1/nothing")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_error_messages_do_not_echo_the_request_text(service: RunningService) -> None:
    response = post(service, {"text": ["secret words"], "source": "en", "target": 5})
    assert response.status_code == 422
    assert "secret" not in response.text
