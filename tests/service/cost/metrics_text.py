"""Read samples from a live /metrics page."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(url: str) -> Samples:
    """(sample name, labels) -> value, from ``url/metrics``."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def has(found: Samples, name: str, **labels: str) -> bool:
    """Whether a sample of `name` with `labels` is exported (a missing series is not 0)."""
    wanted = set(labels.items())
    return any(n == name and wanted <= ls for n, ls in found)


def value(found: Samples, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and wanted <= ls)
