"""The cost metrics, registered in the app's own registry next to `service.metrics`.

Counters, characters and tokens that `ServiceMetrics` already exports are reused, not
duplicated. Every series that can exist (each direction, teacher and shadow status) is created
at start-up so that it reads 0 before the first request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Student cost of one request: a short sentence is around 1e-7 USD on one vCPU.
_COST_BUCKETS = (1e-8, 3e-8, 1e-7, 3e-7, 1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 1e-3, 1e-2)
_SHADOW_SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_CHRF_BUCKETS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
SHADOW_STATUSES = ("ok", "error")


class CostMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.student_cpu = Counter(
            "mt_student_cpu_seconds",
            "Process CPU time attributed to translations (see MT_COST_CPU_WINDOW).",
            ["direction"],
            registry=registry,
        )
        self.student_cost = Counter(
            "mt_student_cost",
            "What the student's attributed CPU time cost, in USD.",
            ["direction"],
            unit="usd",
            registry=registry,
        )
        self.teacher_cost = Counter(
            "mt_teacher_equivalent_cost",
            "What the same requests would have cost on each teacher, in USD.",
            ["direction", "teacher"],
            unit="usd",
            registry=registry,
        )
        self.request_cost = Histogram(
            "mt_request_student_cost_usd",
            "Student cost of one translation request, in USD.",
            ["direction"],
            buckets=_COST_BUCKETS,
            registry=registry,
        )
        self.vcpu_price = Gauge(
            "mt_vcpu_price_usd_per_second",
            "Price of one vCPU-second used for the student's cost.",
            registry=registry,
        )
        self.vcpu_price_info = Gauge(
            "mt_vcpu_price_info",
            "Where the vCPU price comes from (value 1).",
            ["source", "date"],
            registry=registry,
        )
        self.teacher_price = Gauge(
            "mt_teacher_price_usd",
            "Teacher unit prices in use, in USD per unit (character, input_token, output_token).",
            ["direction", "teacher", "unit"],
            registry=registry,
        )
        self.teacher_price_info = Gauge(
            "mt_teacher_price_info",
            "Where each teacher's price comes from (value 1).",
            ["direction", "teacher", "source", "date"],
            registry=registry,
        )
        self.price_age = Gauge(
            "mt_price_age_seconds",
            "Seconds since each teacher's price was read (+Inf: undated); alert past "
            "MT_COST_PRICE_MAX_AGE_DAYS x 86400.",
            ["direction", "teacher"],
            registry=registry,
        )
        self.vcpu_price_age = Gauge(
            "mt_vcpu_price_age_seconds",
            "Seconds since the vCPU price was read (+Inf: undated).",
            registry=registry,
        )
        self.saved = Gauge(
            "mt_saved_usd",
            "USD saved since start-up against each teacher: its cost minus the blended cost "
            "(student + escalations) of the answered requests; a gauge, as it can go down.",
            ["direction", "teacher"],
            registry=registry,
        )
        self.shadow_requests = Counter(
            "mt_shadow_requests",
            "Requests also sent to the shadow teacher, by outcome.",
            ["direction", "teacher", "status"],
            registry=registry,
        )
        self.shadow_dropped = Counter(
            "mt_shadow_dropped",
            "Sampled requests not sent to the shadow teacher because it was busy.",
            ["direction", "teacher"],
            registry=registry,
        )
        self.shadow_duration = Histogram(
            "mt_shadow_duration_seconds",
            "Latency of the shadow teacher, per request.",
            ["direction", "teacher"],
            buckets=_SHADOW_SECONDS,
            registry=registry,
        )
        self.shadow_cost = Counter(
            "mt_shadow_cost",
            "What the shadow teacher's calls really cost, in USD.",
            ["direction", "teacher"],
            unit="usd",
            registry=registry,
        )
        self.shadow_agreement = Histogram(
            "mt_shadow_agreement_chrf",
            "chrF of the student's translation against the shadow teacher's, per request.",
            ["direction", "teacher"],
            buckets=_CHRF_BUCKETS,
            registry=registry,
        )
        self.shadow_fraction = Gauge(
            "mt_shadow_sample_ratio",
            "Share of requests sampled for the shadow teacher (0: shadow mode off).",
            registry=registry,
        )

    def initialize(
        self, directions: Sequence[str], teachers: Mapping[str, Sequence[str]], shadow: str
    ) -> None:
        """Create every series at 0 (`teachers`: direction -> teachers priced there)."""
        for direction in directions:
            self.student_cpu.labels(direction)
            self.student_cost.labels(direction)
            self.request_cost.labels(direction)
            for teacher in teachers.get(direction, ()):
                self.teacher_cost.labels(direction, teacher)
                self.saved.labels(direction, teacher)
            for status in SHADOW_STATUSES:
                self.shadow_requests.labels(direction, shadow, status)
            self.shadow_dropped.labels(direction, shadow)
            self.shadow_duration.labels(direction, shadow)
            self.shadow_cost.labels(direction, shadow)
            self.shadow_agreement.labels(direction, shadow)
