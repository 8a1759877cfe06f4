"""A segment the model cannot translate is kept, counted, and never fails the document; transient
errors are not mistaken for one; low-confidence translations are counted per unit."""

from __future__ import annotations

import asyncio
import time

import pytest

from service.documents.errors import DocumentTimeBudgetExceededError, SegmentFailedError
from service.documents.formats.markdown import MarkdownFormat
from service.documents.formats.txt import TxtFormat
from service.documents.jobs import JobRecord
from service.documents.safety import Guard
from service.documents.segments import Tag, Translations, Unit, translate_units
from service.documents.serving import DirectResult, DocumentService
from service.documents.settings import DocumentSettings
from service.errors import QueueFullError
from tests.service.documents.conftest import wait_done, wrap

POISON = "Poisoned sentence"


class Recording:
    """Wraps every segment «…», fails any batch holding POISON, and records the batches seen."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def __call__(self, batch: list[str]) -> list[str]:
        self.batches.append(batch)
        if any(POISON in s for s in batch):
            raise SegmentFailedError()
        return wrap(batch)


def judging(batch: list[str]) -> Translations:
    """Wraps every segment; a segment containing "odd" is judged low-confidence."""
    return Translations(wrap(batch), ["odd" in s for s in batch])


def _settings(**overrides: object) -> DocumentSettings:
    values: dict[str, object] = {"direct_max_characters": 0, "batch_segments": 4} | overrides
    return DocumentSettings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_a_failing_batch_is_retried_segment_by_segment_and_only_the_bad_one_is_kept() -> None:
    units = [Unit([f"Sentence {i}."]) for i in range(3)] + [Unit([f"{POISON}."])]
    translator = Recording()

    report = translate_units(units, translator, batch_size=4)

    assert [u.output_text() for u in units] == [
        "«Sentence 0.»",
        "«Sentence 1.»",
        "«Sentence 2.»",
        f"{POISON}.",
    ]
    assert report.untranslated == 1 and report.low_confidence == 0
    assert [len(b) for b in translator.batches] == [4, 1, 1, 1, 1]


def test_a_document_with_a_poisoned_segment_comes_back_complete(guard: Guard) -> None:
    lines = ["# A title", "", "First line.", "", f"{POISON} here.", "", "Last line.", ""]
    extraction = MarkdownFormat().prepare("\n".join(lines).encode(), guard)

    out = extraction.translate(Recording(), guard).decode()

    assert out.splitlines() == [
        "# «A title»",
        "",
        "«First line.»",
        "",
        f"{POISON} here.",
        "",
        "«Last line.»",
    ]
    assert extraction.report.untranslated == 1


def test_a_tagged_unit_falling_back_to_pieces_keeps_only_the_failing_piece() -> None:
    bold, end = Tag("open", "**"), Tag("close", "**")
    unit = Unit(["Fine text ", bold, f"{POISON}", end, " more text."])

    def tags_lost(batch: list[str]) -> list[str]:
        if len(batch) == 1 and "<g" in batch[0]:
            return ["no tags any more"]  # forces the piece-by-piece fallback
        return Recording()(batch)

    report = translate_units([unit], tags_lost)

    assert unit.output() == ["«Fine text» ", bold, POISON, end, " «more text.»"]
    assert report.untranslated == 1


def test_a_full_queue_is_not_mistaken_for_a_bad_segment() -> None:
    units = [Unit(["A sentence."]), Unit(["Another sentence."])]

    def full(batch: list[str]) -> list[str]:
        raise QueueFullError("queue full", 1)

    with pytest.raises(QueueFullError):
        translate_units(units, full)
    assert all(u.result is None for u in units)


def test_the_time_budget_still_holds_while_retrying_segment_by_segment() -> None:
    guard = Guard(_settings(time_budget_s=0.3))
    units = [Unit([f"{POISON} {i}."]) for i in range(50)]

    calls: list[int] = []

    def slow(batch: list[str]) -> list[str]:
        calls.append(len(batch))
        time.sleep(0.02)
        raise SegmentFailedError()

    with pytest.raises(DocumentTimeBudgetExceededError):
        translate_units(units, slow, batch_size=50, check=guard.check_time)
    assert len(calls) < 40  # stopped while retrying, not after all 50 single tries


def test_low_confidence_units_are_counted_once_each() -> None:
    bold, end = Tag("open", "**"), Tag("close", "**")
    tagged = Unit(["An odd ", bold, "odd", end, " unit."])  # two low pieces, one unit
    units = [Unit(["A fine unit."]), Unit(["An odd unit."]), tagged]

    def judging_without_tags(batch: list[str]) -> Translations:
        out = judging(batch)
        return Translations([t.replace("<g", "<q") for t in out.texts], out.low_confidence)

    report = translate_units(units, judging_without_tags)

    assert report.low_confidence == 2 and report.untranslated == 0
    assert tagged.output() == ["«An odd» ", bold, "«odd»", end, " «unit.»"]


def test_a_translator_of_the_wrong_length_is_a_bug_not_a_kept_segment() -> None:
    with pytest.raises(RuntimeError, match="different number"):
        translate_units([Unit(["A sentence."])], lambda b: Translations([], []))


def test_the_job_status_counts_kept_and_low_confidence_segments() -> None:
    document = b"\n\n".join([b"One line.", b"An odd line.", POISON.encode() + b".", b"Two."])

    def translator(batch: list[str]) -> Translations:
        Recording()(batch)
        return judging(batch)

    service = DocumentService(_settings(), lambda s, t: translator)
    try:
        record = asyncio.run(service.submit(document, "notes.txt", "en", "de"))
        assert isinstance(record, JobRecord)
        done = wait_done(service, record.id)
        data, _ = service.result(record.id)
    finally:
        service.close()

    assert done.status == "done" and done.segments_done == done.segments_total == 4
    assert done.segments_untranslated == 1 and done.segments_low_confidence == 1
    assert data.decode().split("\n\n") == ["«One line.»", "«An odd line.»", f"{POISON}.", "«Two.»"]


def test_a_transient_error_fails_the_job_instead_of_keeping_the_source() -> None:
    def full(batch: list[str]) -> list[str]:
        raise QueueFullError("queue full", 1)

    service = DocumentService(_settings(), lambda s, t: full)
    try:
        record = asyncio.run(service.submit(b"One line.\n", "notes.txt", "en", "de"))
        assert isinstance(record, JobRecord)
        done = wait_done(service, record.id)
    finally:
        service.close()

    assert done.status == "error" and done.segments_untranslated == 0


def test_a_direct_answer_carries_the_counts() -> None:
    service = DocumentService(_settings(direct_max_characters=10_000), lambda s, t: Recording())
    try:
        data = f"Fine.\n\n{POISON}.\n".encode()
        outcome = asyncio.run(service.submit(data, "notes.txt", "en", "de"))
    finally:
        service.close()

    assert isinstance(outcome, DirectResult)
    assert outcome.report.untranslated == 1
    assert outcome.data.decode() == f"«Fine.»\n\n{POISON}.\n"


def test_format_tests_plain_list_translators_still_work(guard: Guard) -> None:
    assert TxtFormat().translate(b"Hello there.\n", wrap, guard) == "«Hello there.»\n".encode()
