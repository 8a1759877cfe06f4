"""Per-key metrics, labelled by key *name* only: names are created by the operator, so the
labels stay bounded; a key or its hash never becomes a label."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class AuthMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "mt_key_requests", "Requests admitted, by key name.", ["key"], registry=registry
        )
        self.characters = Counter(
            "mt_key_characters", "Characters translated, by key name.", ["key"], registry=registry
        )
        self.student_cost = Counter(
            "mt_key_student_cost_usd",
            "Student cost of the key's translations (blended with escalations), by key name.",
            ["key"],
            registry=registry,
        )
        self.teacher_cost = Counter(
            "mt_key_teacher_cost_usd",
            "What the key's translations would have cost on each priced teacher.",
            ["key", "teacher"],
            registry=registry,
        )
        self.refused = Counter(
            "mt_auth_refused",
            "Requests refused by the key check: bad_key, bad_key_rate, rate, quota.",
            ["reason"],
            registry=registry,
        )
