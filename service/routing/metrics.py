"""The routing metrics, registered in the app's own registry next to `service.metrics`.

Labels are bounded: direction (one per bundle), route (``ROUTES``), reason
(``FAILURE_REASONS``), teacher (``MT_ROUTING_TEACHER_NAME``). Every series exists from start-up
so that it reads 0 before the first request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from service.routing.checks import SentenceCheck
from service.teachers.base import FAILURE_REASONS

ROUTES = ("student", "teacher", "flagged")
"""student: confident, the student's; teacher: escalated; flagged: low, the student's."""
ESCALATION_FAILURES = ("budget", "in_flight", *FAILURE_REASONS, "placeholders")
"""Why a low-confidence sentence kept the student's translation in escalate mode."""
_CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)
_SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_COST_BUCKETS = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3)


class RoutingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sentences = Counter(
            "mt_routed_sentences",
            "Translated sentences by route: student (confident), teacher (escalated), flagged "
            "(low confidence, the student's translation returned).",
            ["direction", "route"],
            registry=registry,
        )
        self.failures = Counter(
            "mt_escalation_failures",
            "Low-confidence sentences that kept the student's translation in escalate mode.",
            ["direction", "reason"],
            registry=registry,
        )
        self.confidence = Histogram(
            "mt_sentence_confidence",
            "The student's confidence (geometric-mean token probability) per sentence.",
            ["direction"],
            buckets=_CONFIDENCE_BUCKETS,
            registry=registry,
        )
        self.dev_low_share = Gauge(
            "mt_routing_dev_low_confidence_ratio",
            "Share of the bundle's own dev sentences below the threshold (the alert's base).",
            ["direction"],
            registry=registry,
        )
        self.teacher_calls = Histogram(
            "mt_escalation_duration_seconds",
            "Wall time of one escalation call to the teacher (successful calls).",
            ["direction", "teacher"],
            buckets=_SECONDS,
            registry=registry,
        )
        self.remembered = Counter(
            "mt_escalation_remembered_sentences",
            "Escalated sentences answered from the teacher's remembered answers (no call, no "
            "cost, no budget).",
            ["direction"],
            registry=registry,
        )
        self.teacher_cost = Counter(
            "mt_escalation_cost",
            "What the escalations really cost on the teacher, in USD.",
            ["direction", "teacher"],
            unit="usd",
            registry=registry,
        )
        self.teacher_only_cost = Counter(
            "mt_teacher_only_cost",
            "What the same requests would have cost with every sentence on the teacher, in USD "
            "(the base of the blended savings).",
            ["direction", "teacher"],
            unit="usd",
            registry=registry,
        )
        self.window_share = Gauge(
            "mt_escalation_window_ratio",
            "Share of the last MT_ROUTING_WINDOW_SENTENCES sentences escalated (the budget).",
            registry=registry,
        )
        self.mode = Gauge(
            "mt_routing_mode_info",
            "The routing mode and teacher in use (value 1).",
            ["mode", "teacher"],
            registry=registry,
        )

    def initialize(
        self,
        directions: Sequence[tuple[str, float]],
        mode: str,
        teacher: str,
        window_share: Callable[[], float],
    ) -> None:
        """(direction, its dev low share) per bundle: every series at 0."""
        self.mode.labels(mode, teacher).set(1)
        self.window_share.set_function(window_share)
        for direction, share in directions:
            self.dev_low_share.labels(direction).set(share)
            self.confidence.labels(direction)
            for route in ROUTES:
                self.sentences.labels(direction, route)
            for reason in ESCALATION_FAILURES:
                self.failures.labels(direction, reason)
            if mode == "escalate":
                self.remembered.labels(direction)
                self.teacher_calls.labels(direction, teacher)
                self.teacher_cost.labels(direction, teacher)
                self.teacher_only_cost.labels(direction, teacher)

    def observe_checks(self, direction: str, checks: Sequence[SentenceCheck]) -> None:
        histogram = self.confidence.labels(direction)
        for check in checks:
            histogram.observe(check.confidence)

    def count_routes(self, direction: str, checks: Sequence[SentenceCheck], escalated: int) -> None:
        low = sum(check.low for check in checks)
        self.sentences.labels(direction, "student").inc(len(checks) - low)
        self.sentences.labels(direction, "teacher").inc(escalated)
        self.sentences.labels(direction, "flagged").inc(low - escalated)
