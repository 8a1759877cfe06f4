"""A teacher behind an OpenAI-compatible chat-completions endpoint (a paid API or a local server).

Each sentence is one chat request built from `prompt_template`; at most `concurrency` requests are
in flight; 429 and 5xx answers (and dropped connections) are retried with exponential backoff,
honouring `Retry-After`. Token usage from the answers is added up so the build knows the cost.
The API key is read from the environment variable named by `api_key_env`, never from the config.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from typing import Any, ClassVar

import httpx

from model_build.config import TeacherConfig
from model_build.teachers.base import LANGUAGE_NAMES, Teacher

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}


class TeacherEndpointError(Exception):
    """The endpoint refused a request for good (4xx) or kept failing past the retries."""


class OpenAIChatTeacher(Teacher):
    family: ClassVar[str] = "openai"
    backoff_s: ClassVar[float] = 0.5

    def __init__(self, config: TeacherConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.url = str(config.base_url).rstrip("/") + "/chat/completions"

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.config.api_key_env or "", "")
        return {"Authorization": f"Bearer {key}"} if key else {}

    @classmethod
    def check(
        cls, config: TeacherConfig, source_lang: str, target_lang: str, check_endpoint: bool
    ) -> list[str]:
        problems = [
            f"no language name for code {code!r} (the prompt needs one)"
            for code in (source_lang, target_lang)
            if code not in LANGUAGE_NAMES
        ]
        if check_endpoint and config.base_url:
            url = config.base_url.rstrip("/") + "/models"
            try:
                httpx.get(url, timeout=5.0)
            except httpx.HTTPError as exc:
                problems.append(f"endpoint {config.base_url} is unreachable: {exc}")
        return problems

    def prompt(self, text: str) -> str:
        return self.config.prompt_template.format(
            source_name=LANGUAGE_NAMES.get(self.source_lang, self.source_lang),
            target_name=LANGUAGE_NAMES.get(self.target_lang, self.target_lang),
            source_lang=self.source_lang,
            target_lang=self.target_lang,
            text=text,
        )

    def translate(self, batch: list[str]) -> list[str]:
        return asyncio.run(self._translate_all(batch))

    async def _translate_all(self, batch: list[str]) -> list[str]:
        limit = asyncio.Semaphore(self.config.concurrency)
        async with httpx.AsyncClient(
            timeout=self.config.timeout_s, headers=self._headers()
        ) as client:

            async def one(text: str) -> str:
                async with limit:
                    return await self._complete(client, text)

            return list(await asyncio.gather(*(one(text) for text in batch)))

    async def _complete(self, client: httpx.AsyncClient, text: str) -> str:
        body = {
            "model": self.config.model,
            "messages": [{"role": "user", "content": self.prompt(text)}],
            "temperature": 0,
            "max_tokens": self.max_length,
        }
        for attempt in range(self.config.max_retries + 1):
            delay = self.backoff_s * 2**attempt * (1 + random.random() / 4)
            try:
                response = await client.post(self.url, json=body)
            except httpx.TransportError as exc:
                problem = f"transport error {exc!r}"
            else:
                if response.status_code == 200:
                    return self._read(response.json())
                if response.status_code not in RETRY_STATUSES:
                    raise TeacherEndpointError(
                        f"{self.url} answered {response.status_code}: {response.text[:200]}"
                    )
                problem = f"status {response.status_code}"
                retry_after = response.headers.get("retry-after", "")
                if retry_after.replace(".", "", 1).isdigit():
                    delay = max(delay, float(retry_after))
            self._count_usage("retries", 1)
            log.warning("teacher endpoint %s (attempt %d), retrying", problem, attempt + 1)
            await asyncio.sleep(delay)
        raise TeacherEndpointError(
            f"{self.url} still failing after {self.config.max_retries} retries"
        )

    def _read(self, answer: dict[str, Any]) -> str:
        usage = answer.get("usage") or {}
        self._count_usage("requests", 1)
        self._count_usage("prompt_tokens", usage.get("prompt_tokens", 0))
        self._count_usage("completion_tokens", usage.get("completion_tokens", 0))
        self.output_tokens += int(usage.get("completion_tokens", 0))
        content = answer["choices"][0]["message"]["content"] or ""
        return str(content).strip()
