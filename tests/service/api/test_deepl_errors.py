"""Errors the real service cannot be made to raise on demand (a spent quota, a full queue,
no key, not ready), raised by a route under /v2 of an app with the service's error handlers:
the official `deepl` client reads them as it reads DeepL's own, and /v1 keeps its envelope."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import deepl
import httpx
import pytest
from fastapi import FastAPI
from starlette.exceptions import HTTPException

from service.app import install_error_handlers
from service.errors import NotReadyError, QueueFullError, QuotaExceededError
from tests.service.server import serving_in_thread

RaiseOn = Callable[[Exception], str]


@pytest.fixture
def raising(monkeypatch: pytest.MonkeyPatch) -> Iterator[RaiseOn]:
    """A server whose /v2/translate and /v1/translate raise the error it was given."""
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 0)  # 429/5xx: no backoff
    app = FastAPI()
    install_error_handlers(app)
    errors: list[Exception] = []

    @app.post("/v2/translate")
    @app.post("/v1/translate")
    async def fail() -> None:
        raise errors[-1]

    with serving_in_thread(app) as url:

        def serve(error: Exception) -> str:
            errors.append(error)
            return url

        yield serve


@pytest.mark.parametrize(
    ("error", "exception", "status"),
    [
        (QuotaExceededError("the key's characters are spent"), deepl.QuotaExceededException, 456),
        (QueueFullError("the model's queue is full", 3), deepl.TooManyRequestsException, 429),
        (HTTPException(401, "no such key"), deepl.AuthorizationException, 403),
        (NotReadyError("the service is starting"), deepl.DeepLException, 503),
    ],
)
def test_the_client_raises_deepls_exception_with_our_message(
    raising: RaiseOn, error: Exception, exception: type[deepl.DeepLException], status: int
) -> None:
    url = raising(error)
    with pytest.raises(exception) as caught:
        deepl.Translator("any-key", server_url=url).translate_text("A dog.", target_lang="DE")
    assert caught.value.http_status_code == status
    our_message = error.detail if isinstance(error, HTTPException) else str(error)
    assert str(caught.value).endswith(f"message: {our_message}")


def test_a_full_queue_keeps_retry_after_in_deepls_shape(raising: RaiseOn) -> None:
    url = raising(QueueFullError("the model's queue is full", 3))
    answer = httpx.post(f"{url}/v2/translate", json={"text": ["A dog."], "target_lang": "DE"})
    assert (answer.status_code, answer.headers["retry-after"]) == (429, "3")
    assert answer.json() == {"message": "the model's queue is full", "code": "queue_full"}


def test_v1_answers_a_spent_quota_in_its_envelope_as_429(raising: RaiseOn) -> None:
    url = raising(QuotaExceededError("the key's characters are spent"))
    answer = httpx.post(f"{url}/v1/translate", json={})
    assert answer.status_code == 429
    assert answer.json() == {
        "error": {"code": "quota_exceeded", "message": "the key's characters are spent"}
    }
