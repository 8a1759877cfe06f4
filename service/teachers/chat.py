"""An OpenAI-compatible chat endpoint as teacher: ``POST {url}/chat/completions``.

Two ways to send texts:

- one call per text (``lines_per_call=False``, shadow mode): a whole text may hold line
  breaks, so it goes alone and the answer is its translation;
- one call for all (escalation): sentences never hold a line break, so they go as the lines of
  one message and the answer must have as many lines (else it is a ``bad_answer``).

The cost is the token usage the endpoint reports at the model's token prices.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

from service.teachers.base import HttpTeacher, TeacherAnswer, TeacherError, bearer

CHAT_SYSTEM_PROMPT = (
    "You are a professional translator. Translate the user's text from {source} to {target}. "
    "Answer with the translation only; keep line breaks, markup and placeholders."
)
LINES_INSTRUCTION = (
    " The text has {count} lines, one sentence each: answer with exactly {count} lines, the "
    "translation of each line on its own line, in order."
)

# (prompt tokens, completion tokens) -> USD
UsagePrice = Callable[[int, int], float]


@functools.cache
def chat_prompt(source: str, target: str) -> str:
    """The system prompt a chat teacher gets: priced (teacher-equivalent) and sent alike."""
    return CHAT_SYSTEM_PROMPT.format(source=source, target=target)


class ChatTeacherClient(HttpTeacher):
    def __init__(
        self,
        name: str,
        url: str,
        timeout_seconds: float,
        model: str,
        price: UsagePrice | None,
        api_key: str | None = None,
        lines_per_call: bool = True,
    ) -> None:
        super().__init__(name, url, timeout_seconds, bearer(api_key))
        self.model = model
        self.price = price
        self.lines_per_call = lines_per_call

    async def translate(self, texts: list[str], source: str, target: str) -> TeacherAnswer:
        if self.lines_per_call and not any("\n" in text for text in texts):
            prompt = chat_prompt(source, target) + LINES_INSTRUCTION.format(count=len(texts))
            content, cost = await self._complete(prompt, "\n".join(texts))
            return self.answer(texts, content.strip("\n").split("\n"), cost)
        prompt = chat_prompt(source, target)
        answers = await asyncio.gather(*(self._complete(prompt, text) for text in texts))
        return self.answer(texts, [text for text, _ in answers], sum(c for _, c in answers))

    async def _complete(self, system: str, user: str) -> tuple[str, float]:
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        }
        answer = await self.post_json("/chat/completions", body)
        try:
            content = str(answer["choices"][0]["message"]["content"])
            usage: dict[str, Any] = answer.get("usage") or {}
            tokens = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
        except (KeyError, IndexError, TypeError, ValueError):
            raise TeacherError("bad_answer", f"{self.name}: not a chat completion") from None
        return content, self.price(*tokens) if self.price is not None else 0.0
