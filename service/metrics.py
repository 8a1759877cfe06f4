"""Prometheus metrics in an explicit registry owned by one app (never the global registry).

Names carry base units and counters end in ``_total``; labels are bounded (endpoint is the
route template, direction is one per bundle, status is the HTTP code).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from service.engine.dispatcher import BatchRecord
    from service.engine.registry import LoadedModel, ModelRegistry
    from service.pipeline import Usage

_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class ServiceMetrics:
    """Every metric of one service instance, registered in `self.registry`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mt_http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.request_duration = Histogram(
            "mt_http_request_duration_seconds",
            "Time from receiving a request to the end of its response.",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "mt_batch_size_sentences",
            "Sentences per CTranslate2 call.",
            ["direction"],
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.batch_duration = Histogram(
            "mt_batch_duration_seconds",
            "Wall time of one CTranslate2 call.",
            ["direction"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_cpu = Counter(
            "mt_batch_cpu_seconds",
            "Process CPU time spent around CTranslate2 calls.",
            ["direction"],
            registry=self.registry,
        )
        self.characters = Counter(
            "mt_translated_characters",
            "Characters of source text translated.",
            ["direction"],
            registry=self.registry,
        )
        self.input_tokens = Counter(
            "mt_input_tokens",
            "Source tokens of translated sentences (cache hits included).",
            ["direction"],
            registry=self.registry,
        )
        self.output_tokens = Counter(
            "mt_output_tokens",
            "Target tokens of translated sentences (cache hits included).",
            ["direction"],
            registry=self.registry,
        )
        self.translations = Counter(
            "mt_translation_requests",
            "Translation requests served (every API surface and document batches).",
            ["direction"],
            registry=self.registry,
        )

    def observe_batch(self, record: BatchRecord) -> None:
        """Dispatcher listener (worker thread; prometheus_client is thread-safe)."""
        self.batch_size.labels(record.model).observe(record.size)
        self.batch_duration.labels(record.model).observe(record.wall_seconds)
        self.batch_cpu.labels(record.model).inc(record.cpu_seconds)

    def observe_usage(self, model: LoadedModel, usage: Usage) -> None:
        direction = model.direction
        self.translations.labels(direction).inc()
        self.characters.labels(direction).inc(usage.characters)
        self.input_tokens.labels(direction).inc(usage.input_tokens)
        self.output_tokens.labels(direction).inc(usage.output_tokens)

    def watch_models(self, models: ModelRegistry) -> None:
        """Queue depth, cache counts and bundle info, read from the models at scrape time;
        the per-direction series start at 0."""
        per_direction: tuple[Counter | Histogram, ...] = (
            self.translations,
            self.characters,
            self.input_tokens,
            self.output_tokens,
            self.batch_size,
            self.batch_duration,
            self.batch_cpu,
        )
        for model in models.models:
            for family in per_direction:
                family.labels(model.direction)
        self.registry.register(_ModelsCollector(models))


class _ModelsCollector(Collector):
    def __init__(self, models: ModelRegistry) -> None:
        self._models = models

    def collect(self) -> Iterable[Metric]:
        queue = GaugeMetricFamily(
            "mt_queue_depth_requests", "Requests waiting for a batch.", labels=["direction"]
        )
        hits = CounterMetricFamily("mt_cache_hits", "Sentence cache hits.", labels=["direction"])
        misses = CounterMetricFamily(
            "mt_cache_misses", "Sentence cache misses.", labels=["direction"]
        )
        entries = GaugeMetricFamily(
            "mt_cache_entries", "Sentences in the cache.", labels=["direction"]
        )
        info = GaugeMetricFamily(
            "mt_bundle_info",
            "The bundle serving each direction (value 1).",
            labels=["direction", "name", "version", "teacher"],
        )
        for model in self._models.models:
            direction = model.direction
            manifest = model.manifest
            queue.add_metric([direction], model.dispatcher.queue_depth)
            hits.add_metric([direction], model.cache.hits)
            misses.add_metric([direction], model.cache.misses)
            entries.add_metric([direction], len(model.cache))
            info.add_metric([direction, manifest.name, manifest.version, manifest.teacher.id], 1)
        return [queue, hits, misses, entries, info]
