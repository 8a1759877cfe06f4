"""v1 logic: request schemas in, response schemas out; no FastAPI here."""

from __future__ import annotations

from service.api.v1.protocol import (
    DirectionPublic,
    FlaggedSentence,
    LanguagesResponse,
    TextQualityPublic,
    TranslateRequest,
    TranslateResponse,
    UsagePublic,
)
from service.engine.registry import ModelRegistry
from service.pipeline import TranslationPipeline
from service.routing import TextQuality
from service.text import TermFinder


async def translate(
    pipeline: TranslationPipeline, request: TranslateRequest, terms: TermFinder | None = None
) -> TranslateResponse:
    outcome = await pipeline.translate(request.texts(), request.source, request.target, terms=terms)
    return TranslateResponse(
        translations=outcome.translations,
        model=outcome.model.manifest.name,
        usage=UsagePublic(
            characters=outcome.usage.characters,
            input_tokens=outcome.usage.input_tokens,
            output_tokens=outcome.usage.output_tokens,
            cpu_seconds=outcome.usage.cpu_seconds,
            student_cost_usd=outcome.usage.student_cost_usd,
            teacher_equivalent_cost_usd=dict(outcome.usage.teacher_cost_usd),
            saved_usd=outcome.usage.saved_usd,
            sentences=outcome.usage.sentences,
            escalated_sentences=outcome.usage.escalated_sentences,
            escalation_cost_usd=outcome.usage.escalation_cost_usd,
            blended_cost_usd=outcome.usage.blended_cost_usd,
            teacher_only_cost_usd=outcome.usage.teacher_only_cost_usd,
            savings_usd=outcome.usage.savings_usd,
        ),
        quality=[_quality_public(quality) for quality in outcome.quality],
    )


def _quality_public(quality: TextQuality) -> TextQualityPublic:
    return TextQualityPublic(
        confidence=quality.confidence,
        low_confidence=quality.low_confidence,
        flagged=[
            FlaggedSentence(
                sentence=flag.sentence, reasons=list(flag.reasons), escalated=flag.escalated
            )
            for flag in quality.flagged
        ],
    )


def languages(registry: ModelRegistry) -> LanguagesResponse:
    return LanguagesResponse(
        directions=[
            DirectionPublic(
                source=m.manifest.source_lang,
                target=m.manifest.target_lang,
                model=m.manifest.name,
                version=m.manifest.version,
                teacher=m.manifest.teacher.id,
                quality=m.manifest.quality,
            )
            for m in sorted(registry.models, key=lambda m: m.direction)
        ]
    )
