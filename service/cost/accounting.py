"""`CostAccounting`: the one object the app wires in (batch listener, pricer, usage and
outcome listeners, shadow teacher), built from `CostSettings`."""

from __future__ import annotations

import dataclasses
import logging

from prometheus_client import CollectorRegistry

from service.cost.attribution import CpuAttributor
from service.cost.cascade import TeacherOnlyCost
from service.cost.metrics import CostMetrics
from service.cost.prices import (
    ChatTeacher,
    LocalTeacher,
    RequestTexts,
    Teacher,
    build_teachers,
    price_entry,
    token_counter,
)
from service.cost.settings import CostSettings, PriceConfigError, variable_name
from service.cost.shadow import ShadowTeacher
from service.cost.staleness import SECONDS_PER_DAY, age_days, warn_if_stale
from service.engine.dispatcher import BatchRecord
from service.engine.registry import LoadedModel, ModelRegistry
from service.pipeline import TranslationOutcome, Usage

logger = logging.getLogger(__name__)


class CostAccounting:
    def __init__(self, settings: CostSettings, registry: CollectorRegistry) -> None:
        """Validate prices (raising `PriceConfigError`) and register the cost metrics."""
        self.settings = settings
        self.teachers: list[Teacher] = build_teachers(settings)
        self.usd_per_cpu_second = settings.vcpu_usd_per_hour / 3600
        self.metrics = CostMetrics(registry)
        self.attributor = CpuAttributor(settings.cpu_window, on_batch=self._count_batch_cpu)
        self.shadow = ShadowTeacher(settings, self.metrics, chat_price=self._shadow_price())
        self.max_age = settings.price_max_age_days
        self.teacher_only: TeacherOnlyCost | None = None
        """Set by `escalate_to` when the service escalates (routing mode 'escalate')."""

    def escalate_to(self, priced: Teacher | None) -> None:
        """Price teacher-only requests on the escalation teacher: its price list, or (None)
        its measured cost per sentence."""
        self.teacher_only = TeacherOnlyCost(priced)

    def _shadow_price(self) -> ChatTeacher | None:
        settings = self.settings
        if settings.shadow_fraction > 0 and not settings.shadow_url.startswith(
            ("http://", "https://")
        ):
            raise PriceConfigError(
                f"{variable_name(('shadow_url',))}: an http(s) URL is needed when "
                f"{variable_name(('shadow_fraction',))} > 0"
            )
        if not settings.shadow_enabled or settings.shadow_protocol != "openai":
            return None
        if not settings.shadow_model:
            raise PriceConfigError(f"{variable_name(('shadow_model',))}: required by 'openai'")
        entry = price_entry(settings, settings.shadow_model)
        if entry is None or None in (
            entry.usd_per_million_input_tokens,
            entry.usd_per_million_output_tokens,
        ):
            raise PriceConfigError(
                f"{variable_name(('shadow_model',))}: no token prices for "
                f"{settings.shadow_model!r}; add them to {variable_name(('prices',))}"
            )
        return ChatTeacher(settings.shadow_model, entry, token_counter(settings.shadow_model))

    # -- start-up ------------------------------------------------------------------------

    def watch(self, models: ModelRegistry) -> None:
        """Learn each bundle's teacher baseline, export prices, their ages and every series at
        0 (warning of stale prices), and start the CPU clock (model loading is nobody's)."""
        per_direction = {model.direction: self._export_prices(model) for model in models.models}
        settings = self.settings
        self.metrics.vcpu_price.set(self.usd_per_cpu_second)
        self.metrics.vcpu_price_info.labels(
            settings.vcpu_price_source, settings.vcpu_price_date
        ).set(1)
        age = age_days(settings.vcpu_price_date)
        self.metrics.vcpu_price_age.set(age * SECONDS_PER_DAY)
        warn_if_stale(
            "the vCPU", settings.vcpu_price_source, settings.vcpu_price_date, age, self.max_age
        )
        self.metrics.shadow_fraction.set(
            settings.shadow_fraction if settings.shadow_enabled else 0.0
        )
        self.metrics.initialize(list(per_direction), per_direction, self.shadow.name)
        self.attributor.reset()

    def _export_prices(self, model: LoadedModel) -> list[str]:
        """Export the prices of `model`'s direction; the teachers priced there."""
        direction, priced = model.direction, []
        for teacher in self.teachers:
            if isinstance(teacher, LocalTeacher):
                if model.manifest.cost is None:
                    logger.warning("bundle %s has no cost baseline: not priced", direction)
                    continue
                rate = teacher.learn(direction, model.manifest.cost)
                source, date = rate.source, rate.date
            else:
                source, date = teacher.source, teacher.date
            priced.append(teacher.name)
            self.metrics.teacher_price_info.labels(direction, teacher.name, source, date).set(1)
            for unit, price in teacher.prices(direction).items():
                self.metrics.teacher_price.labels(direction, teacher.name, unit).set(price)
            age = age_days(date)
            self.metrics.price_age.labels(direction, teacher.name).set(age * SECONDS_PER_DAY)
            warn_if_stale(f"teacher {teacher.name} ({direction})", source, date, age, self.max_age)
        return priced

    # -- hooks ---------------------------------------------------------------------------

    def on_batch(self, record: BatchRecord) -> None:
        """Dispatcher listener: attribute the batch's CPU to its requests."""
        self.attributor(record)

    def on_teacher_batch(self, record: BatchRecord) -> None:
        """A local teacher bundle's dispatcher listener: its CPU is attributed by the same
        process clock (so no student request pays for it), to the teacher call's context;
        the routing metrics count what it cost."""
        self.attributor.attribute(record)

    def _count_batch_cpu(self, direction: str, cpu_seconds: float) -> None:
        """Every CPU second attributed to a request is counted when its batch ends, also those
        of a request whose client leaves before the answer (which no request histogram sees)."""
        self.metrics.student_cpu.labels(direction).inc(cpu_seconds)
        self.metrics.student_cost.labels(direction).inc(cpu_seconds * self.usd_per_cpu_second)

    def price(
        self, model: LoadedModel, usage: Usage, texts: list[str], translations: list[str]
    ) -> Usage:
        """Pipeline pricer: the request's student and teacher-equivalent costs."""
        manifest = model.manifest
        request = RequestTexts(
            source=manifest.source_lang,
            target=manifest.target_lang,
            texts=texts,
            translations=translations,
            characters=usage.characters,
            output_tokens=usage.output_tokens,
        )
        teacher_cost = {}
        for teacher in self.teachers:
            cost = teacher.cost_usd(model.direction, request)
            if cost is not None:
                teacher_cost[teacher.name] = cost
        teacher_only = None
        if self.teacher_only is not None:
            paid = usage.escalated_sentences - usage.remembered_sentences
            self.teacher_only.observe(paid, usage.escalation_cost_usd)
            teacher_only = self.teacher_only.estimate(model.direction, request, usage.sentences)
        return dataclasses.replace(
            usage,
            student_cost_usd=usage.cpu_seconds * self.usd_per_cpu_second,
            teacher_cost_usd=teacher_cost,
            teacher_only_cost_usd=teacher_only,
        )

    def observe_usage(self, model: LoadedModel, usage: Usage) -> None:
        direction = model.direction
        self.metrics.request_cost.labels(direction).observe(usage.student_cost_usd)
        for teacher, cost in usage.teacher_cost_usd.items():
            self.metrics.teacher_cost.labels(direction, teacher).inc(cost)
        for teacher, saved in usage.saved_usd.items():
            self.metrics.saved.labels(direction, teacher).inc(saved)

    def after_translation(self, texts: list[str], outcome: TranslationOutcome) -> None:
        self.shadow.offer(texts, outcome)
