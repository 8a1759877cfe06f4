"""Another instance of this service as teacher: ``POST {url}/v1/translate``.

Its answer's ``usage.student_cost_usd`` is what the call really cost there (its CPU at its
vCPU price), so that is the cost reported.
"""

from __future__ import annotations

from service.teachers.base import HttpTeacher, TeacherAnswer, TeacherError


class MtTeacher(HttpTeacher):
    async def translate(self, texts: list[str], source: str, target: str) -> TeacherAnswer:
        body = await self.post_json(
            "/v1/translate", {"text": texts, "source": source, "target": target}
        )
        try:
            translations = [str(text) for text in body["translations"]]
            cost = float(body.get("usage", {}).get("student_cost_usd", 0.0))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise TeacherError("bad_answer", f"{self.name}: not a /v1/translate answer") from None
        return self.answer(texts, translations, cost)
