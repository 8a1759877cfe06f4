"""The teacher interface and the HTTP plumbing the remote teachers share."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

FailureReason = Literal["timeout", "unavailable", "http_error", "bad_answer"]
FAILURE_REASONS: tuple[FailureReason, ...] = ("timeout", "unavailable", "http_error", "bad_answer")


class TeacherError(Exception):
    """The teacher gave no usable answer; ``reason`` is one of `FAILURE_REASONS`.

    The message names the failure (exception type, HTTP status), never the request's text.
    """

    def __init__(self, reason: FailureReason, message: str) -> None:
        super().__init__(message)
        self.reason: FailureReason = reason


@dataclass(frozen=True)
class TeacherAnswer:
    translations: list[str]
    """One per input, in input order."""
    cost_usd: float
    """What the call really cost: the peer's reported cost, the price list, or the CPU time
    a local teacher bundle used at the vCPU price."""


class TeacherClient:
    """A teacher: translate texts, or raise `TeacherError`. Safe to call concurrently."""

    name: str
    """Short label of the teacher (metrics, usage); never a URL or key."""

    async def start(self) -> None:
        """Open connections or load models; called once before the first call."""

    async def close(self) -> None:
        """Release what `start` acquired."""

    async def translate(self, texts: list[str], source: str, target: str) -> TeacherAnswer:
        """Translate `texts` (sentences or whole texts) in order, or raise `TeacherError`."""
        raise NotImplementedError

    def answer(self, texts: list[str], translations: list[str], cost_usd: float) -> TeacherAnswer:
        """Check the count, the one thing every protocol can get wrong the same way."""
        if len(translations) != len(texts):
            raise TeacherError(
                "bad_answer", f"{self.name} answered {len(translations)} texts for {len(texts)}"
            )
        return TeacherAnswer(translations, cost_usd)


class HttpTeacher(TeacherClient):
    """A remote teacher over HTTP: one connection pool, one time limit per call."""

    def __init__(
        self,
        name: str,
        url: str,
        timeout_seconds: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.url = url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._headers = dict(headers or {})
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            base_url=self.url, headers=self._headers, timeout=self.timeout_seconds
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def post_json(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST and parse a JSON object; every failure becomes a `TeacherError`.

        The whole call (connect, send, read) is bounded by ``timeout_seconds``: httpx's
        timeouts are per phase, so a peer trickling bytes could otherwise hold it longer.
        """
        if self._client is None:
            raise TeacherError("unavailable", f"{self.name} is not started")
        try:
            async with asyncio.timeout(self.timeout_seconds):
                response = await self._client.post(path, json=dict(body))
            response.raise_for_status()
            parsed = response.json()
        except (TimeoutError, httpx.TimeoutException) as error:
            raise TeacherError("timeout", f"{self.name}: {type(error).__name__}") from None
        except httpx.HTTPStatusError as error:
            status = error.response.status_code
            raise TeacherError("http_error", f"{self.name}: HTTP {status}") from None
        except httpx.HTTPError as error:
            raise TeacherError("unavailable", f"{self.name}: {type(error).__name__}") from None
        except ValueError:
            raise TeacherError("bad_answer", f"{self.name}: the answer is not JSON") from None
        if not isinstance(parsed, dict):
            raise TeacherError("bad_answer", f"{self.name}: the answer is not a JSON object")
        return parsed


def bearer(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}
