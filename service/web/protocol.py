"""Schemas of the page's own JSON endpoints (``/ui/costs``, ``/ui/models``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CostTotalsPublic(BaseModel):
    since: datetime = Field(description="When this process started counting (UTC).")
    requests: int = Field(description="Translation requests answered, documents' batches too.")
    characters: int
    sentences: int = Field(description="Sentences translated (cache hits included).")
    escalated_sentences: int = Field(description="Sentences whose translation is the teacher's.")
    student_cost_usd: float
    escalation_cost_usd: float = Field(description="What escalated sentences cost on the teacher.")
    blended_cost_usd: float = Field(description="student_cost_usd + escalation_cost_usd.")
    teacher_equivalent_cost_usd: dict[str, float] = Field(
        description="What the same requests would have cost on each configured teacher."
    )
    savings_usd: dict[str, float] = Field(
        description="Per teacher: teacher_equivalent_cost_usd - blended_cost_usd."
    )


class TestSetSummary(BaseModel):
    test_set: str
    sentences: int
    student_bleu: float
    student_chrf: float
    teacher_bleu: float | None
    teacher_chrf: float | None
    bleu_kept_percent: float | None = Field(
        description="The student's BLEU as a share of the teacher's (null without the teacher's)."
    )


class ModelSummary(BaseModel):
    direction: str
    source: str
    target: str
    name: str
    version: str
    teacher: str
    teacher_family: str
    quality: list[TestSetSummary]
    report_url: str | None = Field(description="The bundle's build report as HTML, if it has one.")


class ModelsResponse(BaseModel):
    models: list[ModelSummary]
