"""A DeepL-compatible API as teacher: ``POST {url}/v2/translate`` (JSON body).

DeepL authenticates with ``Authorization: DeepL-Auth-Key KEY``; its answer carries no price,
so the cost is the price list's per-character price times the characters sent (DeepL bills
source characters).
"""

from __future__ import annotations

from service.teachers.base import HttpTeacher, TeacherAnswer, TeacherError


def deepl_headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"DeepL-Auth-Key {api_key}"} if api_key else {}


class DeepLTeacher(HttpTeacher):
    def __init__(
        self,
        name: str,
        url: str,
        timeout_seconds: float,
        usd_per_character: float,
        api_key: str | None = None,
    ) -> None:
        super().__init__(name, url, timeout_seconds, deepl_headers(api_key))
        self.usd_per_character = usd_per_character

    async def translate(self, texts: list[str], source: str, target: str) -> TeacherAnswer:
        body = await self.post_json(
            "/v2/translate",
            {"text": texts, "source_lang": source.upper(), "target_lang": target.upper()},
        )
        try:
            translations = [str(item["text"]) for item in body["translations"]]
        except (KeyError, TypeError):
            raise TeacherError("bad_answer", f"{self.name}: not a /v2/translate answer") from None
        cost = sum(len(text) for text in texts) * self.usd_per_character
        return self.answer(texts, translations, cost)
