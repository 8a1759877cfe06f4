"""What one running app holds: settings, models, the pipeline, metrics and its lifecycle.

Created by `service.app.build_app` (the lifecycle) and its lifespan (the rest), stored on
``app.state`` and reached by routes through the dependencies in `service.api.deps`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.engine.registry import LoadedModel, ModelRegistry
from service.metrics import ServiceMetrics
from service.pipeline import TranslationPipeline, Usage
from service.settings import ServiceSettings


@dataclass
class Lifecycle:
    """Ready once models are loaded, verified and warmed; draining from the first SIGTERM;
    failed when loading them did not work (the process should exit)."""

    ready: bool = False
    draining: bool = False
    failed: bool = False

    def begin_draining(self) -> None:
        self.draining = True

    @property
    def serving(self) -> bool:
        return self.ready and not self.draining


@dataclass
class UsageTotals:
    """Characters translated by this process (what DeepL's /v2/usage reports)."""

    characters: int = 0

    def add(self, model: LoadedModel, usage: Usage) -> None:
        self.characters += usage.characters


@dataclass
class Runtime:
    settings: ServiceSettings
    metrics: ServiceMetrics
    lifecycle: Lifecycle
    registry: ModelRegistry
    pipeline: TranslationPipeline
    usage: UsageTotals = field(default_factory=UsageTotals)
