"""Schemas of the v1 API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bundle import TestSetQuality
from service.api.contract import language_schema, text_schema, texts_schema

# The schema states the pipeline's rules (non-blank, limits); the pipeline checks them, with
# its own error codes (empty_text, too_many_texts...), so validation here stays lenient.
Text = Annotated[str, Field(json_schema_extra=text_schema())]
Texts = Annotated[list[Text], Field(json_schema_extra=texts_schema())]


class TranslateRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "A dog is running.", "source": "en", "target": "de"}]
        },
    )

    text: Text | Texts = Field(description="One text, or a list of texts translated in order.")
    source: str = Field(
        min_length=2,
        max_length=35,
        json_schema_extra=language_schema(),
        description="Source language, e.g. 'en'.",
    )
    target: str = Field(
        min_length=2,
        max_length=35,
        json_schema_extra=language_schema(),
        description="Target language, e.g. 'de'.",
    )
    glossary_id: str | None = Field(
        default=None, max_length=64, description="A glossary from POST /v2/glossaries."
    )
    glossary: dict[str, str] | None = Field(
        default=None,
        description="Inline glossary for this request only: source term -> target term "
        "(the rules of /v2/glossaries; not with glossary_id).",
    )

    def texts(self) -> list[str]:
        return [self.text] if isinstance(self.text, str) else list(self.text)


class UsagePublic(BaseModel):
    characters: int = Field(description="Characters of source text.")
    input_tokens: int = Field(description="Source tokens, cache hits included.")
    output_tokens: int = Field(description="Target tokens, cache hits included.")
    cpu_seconds: float = Field(
        description="Process CPU time attributed to this request (cache hits: none)."
    )
    student_cost_usd: float = Field(description="cpu_seconds at the vCPU price, in USD.")
    teacher_equivalent_cost_usd: dict[str, float] = Field(
        description="What the request would have cost on each configured teacher, in USD."
    )
    saved_usd: dict[str, float] = Field(
        description="Per teacher: teacher_equivalent_cost_usd - blended_cost_usd (negative "
        "when that teacher would have been cheaper)."
    )
    sentences: int = Field(description="Sentences the student translated.")
    escalated_sentences: int = Field(
        description="Low-confidence sentences whose translation is the teacher's (escalation)."
    )
    escalation_cost_usd: float = Field(
        description="What the teacher really cost for them, in USD (0 without escalation)."
    )
    blended_cost_usd: float = Field(description="student_cost_usd + escalation_cost_usd.")
    teacher_only_cost_usd: float | None = Field(
        description="What the request would have cost with every sentence on the escalation "
        "teacher, in USD (null when not escalating, or not known yet)."
    )
    savings_usd: float | None = Field(
        description="teacher_only_cost_usd - blended_cost_usd (null when that is null)."
    )


class FlaggedSentence(BaseModel):
    sentence: str = Field(description="The source sentence as the model saw it ([1]: a tag).")
    reasons: list[str] = Field(
        description="low_score, length_ratio, repetition, truncated and/or unfamiliar_words "
        "(docs/cascade.md)."
    )
    escalated: bool = Field(
        description="True when the translation is the teacher's (MT_ROUTING_MODE=escalate); "
        "false: the student's, flagged (flag mode, over budget, or the teacher failed)."
    )


class TextQualityPublic(BaseModel):
    confidence: float = Field(
        description="The least confident sentence's geometric-mean token probability, 0-1."
    )
    low_confidence: bool = Field(
        description="True when any sentence is far outside the student's normal range: the "
        "translation is likely wrong (text outside the model's domain)."
    )
    flagged: list[FlaggedSentence] = Field(description="The sentences that were flagged.")


class TranslateResponse(BaseModel):
    translations: list[str] = Field(description="One translation per input text, in order.")
    model: str = Field(description="Name of the bundle that translated.")
    usage: UsagePublic
    quality: list[TextQualityPublic] = Field(
        description="Per input text, in order: how far the student can be trusted on it."
    )


class DirectionPublic(BaseModel):
    source: str
    target: str
    model: str
    version: str
    teacher: str
    quality: dict[str, TestSetQuality]


class LanguagesResponse(BaseModel):
    directions: list[DirectionPublic]


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable error code.")
    message: str


class ErrorResponse(BaseModel):
    """The one envelope of every error answer."""

    error: ErrorBody
