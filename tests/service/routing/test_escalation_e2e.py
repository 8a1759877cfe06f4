"""Escalation at serve time, on real servers on loopback: a tiny student that flags what it
does not know, and a tiny teacher that translates those sentences instead (in-process bundle,
another instance of the service, a DeepL-compatible API), within a budget, never failing a
request because the teacher did."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bundle import open_verified, read_manifest
from service.engine.translator import BundleTranslator
from service.routing.checks import dev_low_share
from service.settings import ServiceSettings
from tests.service.cost.metrics_text import samples, value
from tests.service.routing.conftest import CAPTION, ODD
from tests.service.server import RunningService, free_port, running_service, start_and_fail

pytestmark = pytest.mark.slow


# Concurrent requests on a busy test machine: only the queue's size may refuse them.
QUIET = {"MT_CACHE_SIZE": "0", "MT_MAX_QUEUE_WAIT_MS": "0"}


def escalate(**env: str) -> dict[str, str]:
    return {"MT_ROUTING_MODE": "escalate", **QUIET, **env}


def to_teacher_bundle(teacher_dir: Path, **env: str) -> dict[str, str]:
    """Escalate mode with the tiny teacher bundle, served in-process."""
    return escalate(
        MT_ROUTING_TEACHER_PROTOCOL="bundle", MT_ROUTING_TEACHER_DIR=str(teacher_dir), **env
    )


def translate(url: str, texts: list[str]) -> dict[str, Any]:
    body = {"text": texts, "source": "en", "target": "de"}
    response = httpx.post(f"{url}/v1/translate", json=body, timeout=60)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def teacher_translation(teacher_dir: Path, sentence: str) -> str:
    folder = teacher_dir / "en-de"
    translator = BundleTranslator(folder, open_verified(folder), ServiceSettings())
    return translator.translate([sentence])[0].text


@pytest.fixture(scope="module")
def flagging(student_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The student alone (default mode: flag)."""
    log = tmp_path_factory.mktemp("logs") / "flag.log"
    with running_service(student_dir, log, **QUIET) as running:
        yield running.url


@pytest.fixture(scope="module")
def remote_teacher(
    teacher_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """The teacher bundle served by another instance of the service."""
    log = tmp_path_factory.mktemp("logs") / "teacher.log"
    with running_service(teacher_dir, log, **QUIET) as running:
        yield running


def test_flag_mode_says_which_sentences_are_low_and_that_none_was_escalated(
    flagging: str, student_dir: Path
) -> None:
    answer = translate(flagging, [f"{CAPTION} {ODD[0]}"])
    quality = answer["quality"][0]
    assert quality["low_confidence"]
    assert [flag["sentence"] for flag in quality["flagged"]] == [ODD[0]]
    assert [flag["escalated"] for flag in quality["flagged"]] == [False]
    usage = answer["usage"]
    assert (usage["sentences"], usage["escalated_sentences"]) == (2, 0)
    assert usage["blended_cost_usd"] == usage["student_cost_usd"]
    assert usage["teacher_only_cost_usd"] is None
    found = samples(flagging)
    assert value(found, "mt_routed_sentences_total", route="flagged") == 1
    assert value(found, "mt_routed_sentences_total", route="student") == 1
    assert value(found, "mt_sentence_confidence_count", direction="en-de") == 2
    expected_share = dev_low_share(read_manifest(student_dir / "en-de"))
    assert value(found, "mt_routing_dev_low_confidence_ratio", direction="en-de") == expected_share


def test_a_local_teacher_bundle_translates_only_the_low_sentences_keeping_the_layout(
    flagging: str, student_dir: Path, teacher_dir: Path, tmp_path: Path
) -> None:
    text = f"  {CAPTION}\n\n{ODD[0]}\n"
    student = translate(flagging, [text])["translations"][0]
    env = to_teacher_bundle(teacher_dir)
    with running_service(student_dir, tmp_path / "student.log", **env) as service:
        answer = translate(service.url, [text])
        found = samples(service.url)
    translation = answer["translations"][0]
    caption_de = student.split("\n\n")[0]
    teacher_de = teacher_translation(teacher_dir, ODD[0])
    assert teacher_de != student.split("\n\n")[1].rstrip("\n")
    assert translation == f"{caption_de}\n\n{teacher_de}\n"
    assert answer["quality"][0]["flagged"] == [
        {"sentence": ODD[0], "reasons": ["low_score", "unfamiliar_words"], "escalated": True}
    ]
    usage = answer["usage"]
    assert (usage["sentences"], usage["escalated_sentences"]) == (2, 1)
    assert usage["escalation_cost_usd"] > 0  # the teacher's own CPU, at the vCPU price
    assert usage["blended_cost_usd"] == pytest.approx(
        usage["student_cost_usd"] + usage["escalation_cost_usd"]
    )
    assert usage["teacher_only_cost_usd"] == pytest.approx(2 * usage["escalation_cost_usd"])
    assert usage["savings_usd"] == pytest.approx(
        usage["teacher_only_cost_usd"] - usage["blended_cost_usd"]
    )
    assert value(found, "mt_routed_sentences_total", route="teacher") == 1
    assert value(found, "mt_routed_sentences_total", route="student") == 1
    assert value(found, "mt_routed_sentences_total", route="flagged") == 0
    assert value(found, "mt_escalation_cost_usd_total") == pytest.approx(
        usage["escalation_cost_usd"]
    )
    assert value(found, "mt_teacher_only_cost_usd_total") == pytest.approx(
        usage["teacher_only_cost_usd"]
    )


def test_a_repeated_low_sentence_gets_the_remembered_answer_without_a_second_call(
    student_dir: Path, teacher_dir: Path, tmp_path: Path
) -> None:
    env = to_teacher_bundle(teacher_dir)
    with running_service(student_dir, tmp_path / "student.log", **env) as service:
        first, again = (translate(service.url, [ODD[0]]) for _ in range(2))
        found = samples(service.url)
    assert (
        again["translations"] == first["translations"] == [teacher_translation(teacher_dir, ODD[0])]
    )
    assert first["usage"]["escalated_sentences"] == again["usage"]["escalated_sentences"] == 1
    assert first["usage"]["escalation_cost_usd"] > 0
    assert again["usage"]["escalation_cost_usd"] == 0  # nothing paid for the repeat
    # the measured cost per sentence is the one paid for, not halved by the free repeat
    assert again["usage"]["teacher_only_cost_usd"] == pytest.approx(
        first["usage"]["escalation_cost_usd"]
    )
    assert value(found, "mt_escalation_duration_seconds_count") == 1  # one teacher call
    assert value(found, "mt_escalation_remembered_sentences_total", direction="en-de") == 1
    assert value(found, "mt_routed_sentences_total", route="teacher") == 2


def test_without_memory_every_repeat_is_a_teacher_call(
    student_dir: Path, teacher_dir: Path, tmp_path: Path
) -> None:
    env = to_teacher_bundle(teacher_dir, MT_ROUTING_TEACHER_MEMORY_SIZE="0")
    with running_service(student_dir, tmp_path / "student.log", **env) as service:
        answers = [translate(service.url, [ODD[0]]) for _ in range(2)]
        found = samples(service.url)
    assert all(answer["usage"]["escalation_cost_usd"] > 0 for answer in answers)
    assert value(found, "mt_escalation_duration_seconds_count") == 2


def test_a_remote_instance_and_a_deepl_compatible_api_are_teachers_too(
    remote_teacher: RunningService, student_dir: Path, tmp_path: Path
) -> None:
    expected = translate(remote_teacher.url, [ODD[1]])["translations"][0]
    for protocol in ("mt", "deepl"):
        env = escalate(
            MT_ROUTING_TEACHER_PROTOCOL=protocol, MT_ROUTING_TEACHER_URL=remote_teacher.url
        )
        with running_service(student_dir, tmp_path / f"{protocol}.log", **env) as service:
            answer = translate(service.url, [ODD[1], CAPTION])
        assert answer["translations"][0] == expected, protocol
        assert answer["usage"]["escalated_sentences"] == 1, protocol
        cost = answer["usage"]["escalation_cost_usd"]
        if protocol == "deepl":  # the price list: $25 per million characters
            assert cost == pytest.approx(len(ODD[1]) * 25 / 1e6)
        else:  # what the peer reported it cost
            assert cost > 0


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A teacher that accepts connections and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        yield int(silent.getsockname()[1])


async def _concurrently(url: str, texts: list[list[str]]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:
        return await asyncio.gather(
            *(
                client.post(f"{url}/v1/translate", json={"text": t, "source": "en", "target": "de"})
                for t in texts
            )
        )


def test_a_slow_teacher_leaves_the_students_answer_flagged_and_counted(
    flagging: str, student_dir: Path, silent_port: int, tmp_path: Path
) -> None:
    env = escalate(
        MT_ROUTING_TEACHER_PROTOCOL="mt",
        MT_ROUTING_TEACHER_URL=f"http://127.0.0.1:{silent_port}",
        MT_ROUTING_TIMEOUT_SECONDS="1",
        MT_ROUTING_MAX_IN_FLIGHT="1",
        # Each request in a batch of its own, as `flagging` translated them one at a time: a
        # sentence padded beside others may come out differently (docs/service.md).
        MT_BATCHING="false",
    )
    texts = [[sentence] for sentence in ODD[:3]]
    alone = [translate(flagging, t)["translations"] for t in texts]
    with running_service(student_dir, tmp_path / "student.log", **env) as service:
        started = time.monotonic()
        answers = asyncio.run(_concurrently(service.url, texts))
        elapsed = time.monotonic() - started
        found = samples(service.url)
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.json()["translations"] for r in answers] == alone
    flags = [r.json()["quality"][0]["flagged"][0] for r in answers]
    assert [flag["escalated"] for flag in flags] == [False] * 3
    assert elapsed < 5  # one call's 1 s time limit, not three
    assert value(found, "mt_escalation_failures_total", reason="timeout") == 1
    assert value(found, "mt_escalation_failures_total", reason="in_flight") == 2
    assert value(found, "mt_routed_sentences_total", route="flagged") == 3


def test_a_teacher_that_is_down_leaves_the_students_answer_flagged(
    student_dir: Path, tmp_path: Path
) -> None:
    env = escalate(
        MT_ROUTING_TEACHER_PROTOCOL="deepl",
        MT_ROUTING_TEACHER_URL=f"http://127.0.0.1:{free_port()}",
    )
    with running_service(student_dir, tmp_path / "student.log", **env) as service:
        answer = translate(service.url, [ODD[2]])
        found = samples(service.url)
    assert answer["quality"][0]["flagged"][0]["escalated"] is False
    assert answer["usage"]["escalated_sentences"] == 0
    assert value(found, "mt_escalation_failures_total", reason="unavailable") == 1


def test_the_budget_caps_escalations_under_concurrent_odd_traffic(
    student_dir: Path, teacher_dir: Path, tmp_path: Path
) -> None:
    env = to_teacher_bundle(
        teacher_dir,
        MT_ROUTING_MAX_SHARE="0.3",
        MT_ROUTING_WINDOW_SENTENCES="10",  # at most 3 of any 10 consecutive sentences
        MT_ROUTING_MAX_IN_FLIGHT="16",
    )
    with running_service(student_dir, tmp_path / "student.log", **env) as service:
        answers = asyncio.run(_concurrently(service.url, [[s] for s in ODD]))
        found = samples(service.url)
    assert {r.status_code for r in answers} == {200}
    escalated = sum(r.json()["usage"]["escalated_sentences"] for r in answers)
    assert escalated == 3
    assert value(found, "mt_escalation_failures_total", reason="budget") == 7
    assert value(found, "mt_routed_sentences_total", route="teacher") == 3
    assert value(found, "mt_routed_sentences_total", route="flagged") == 7
    assert value(found, "mt_escalation_window_ratio") == pytest.approx(0.3)


def test_a_teacher_bundle_folder_is_required_to_escalate_to_one(student_dir: Path) -> None:
    done = start_and_fail(student_dir, MT_ROUTING_MODE="escalate")
    assert done.returncode != 0
    assert "MT_ROUTING_TEACHER_DIR" in done.stderr
