"""Issue 19 item 1 on the real service: the sentence with inline tags that used to be a 500, and a
document with one segment the model really cannot translate (the overstated bundle's CTranslate2
fails on it), which still comes back complete with that segment kept and counted."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import poison_sentence
from tests.service.server import RunningService, running_service

# The issue's reproduction: 200 once decoding is bounded by the bundle's positions.
TAGGED = (
    'Think of it this way, in the same way that you don\'t clone <g id="1">vuejs/core</g> to '
    "create a Vue.js app, you don't need to clone this repository to start a new site or app "
    "based on HTML5 Boilerplate."
)
XLIFF = f"""<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file source-language="en" target-language="de" datatype="plaintext" original="readme">
    <body>
      <trans-unit id="intro"><source>{TAGGED}</source></trans-unit>
    </body>
  </file>
</xliff>
"""
IN_CODE = TAGGED.replace('<g id="1">', "<code>").replace("</g>", "</code>")
HTML = f"<html><body><p>{IN_CODE}</p></body></html>\n"
GOOD = ["A dog is running in the park.", "A man is sitting on a bench.", "Two dogs play."]


@pytest.fixture(scope="module")
def overstated_service(
    overstated_bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningService]:
    """The service on a bundle whose manifest overstates its positions: the poison sentence
    really fails in CTranslate2, even alone."""
    folder = tmp_path_factory.mktemp("overstated-models")
    shutil.copytree(overstated_bundle, folder / "en-de")
    log = tmp_path_factory.mktemp("logs") / "overstated.log"
    with running_service(folder, log) as running:
        yield running


def _document(paragraphs: list[str]) -> bytes:
    return "\n\n".join(paragraphs).encode() + b"\n"


def _post(url: str, data: bytes, filename: str, mode: str = "sync") -> httpx.Response:
    return httpx.post(
        f"{url}/v1/documents",
        data={"source": "en", "target": "de", "mode": mode},
        files={"file": (filename, data)},
        timeout=120,
    )


def test_the_tagged_sentence_of_the_issue_translates(service: RunningService) -> None:
    body = {"text": TAGGED, "source": "en", "target": "de"}
    response = httpx.post(f"{service.url}/v1/translate", json=body, timeout=60)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("filename", "data", "translated_from", "markup"),
    [
        ("readme.xlf", XLIFF, "<target", '<g id="1">'),
        ("page.html", HTML, "<body>", "<code>"),
    ],
    ids=["xliff", "html"],
)
def test_the_tagged_sentence_translates_inside_a_document(
    service: RunningService, filename: str, data: str, translated_from: str, markup: str
) -> None:
    response = _post(service.url, data.encode(), filename)

    assert response.status_code == 200, response.text
    assert response.headers["X-Segments-Untranslated"] == "0"
    translated = response.text.partition(translated_from)[2]
    assert markup in translated
    assert "you don't clone" not in translated


def test_a_document_counts_the_segments_the_translate_api_flags_low_confidence(
    service: RunningService,
) -> None:
    paragraphs = [GOOD[0], "Please sign the contract and return it by Friday.", "Hello", GOOD[1]]
    body = {"text": paragraphs, "source": "en", "target": "de"}
    api = httpx.post(f"{service.url}/v1/translate", json=body, timeout=60)
    assert api.status_code == 200, api.text
    flagged = sum(quality["low_confidence"] for quality in api.json()["quality"])

    response = _post(service.url, _document(paragraphs), "notes.txt")

    assert response.status_code == 200, response.text
    assert flagged > 0  # out-of-domain lines: the tiny student is not confident on them
    assert response.headers["X-Segments-Low-Confidence"] == str(flagged)


def test_a_poisoned_segment_is_kept_and_counted_in_a_direct_answer(
    overstated_service: RunningService,
) -> None:
    poison = poison_sentence()
    paragraphs = [GOOD[0], poison, *GOOD[1:]]

    response = _post(overstated_service.url, _document(paragraphs), "notes.txt")

    assert response.status_code == 200, response.text
    assert response.headers["X-Segments-Untranslated"] == "1"
    out = response.text.rstrip("\n").split("\n\n")
    assert len(out) == len(paragraphs)
    assert out[1] == poison
    assert not set(out[:1] + out[2:]) & set(GOOD)
    assert poison not in overstated_service.logs()


def test_a_poisoned_segment_is_kept_and_counted_in_an_async_job(
    overstated_service: RunningService,
) -> None:
    poison = poison_sentence()
    paragraphs = [*GOOD, poison]
    submitted = _post(overstated_service.url, _document(paragraphs), "notes.txt", mode="async")
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()["id"]

    status = _wait_done(overstated_service.url, job)

    assert status["status"] == "done", status
    assert status["error"] is None
    assert status["segments_done"] == status["segments_total"] == 4
    assert status["segments_untranslated"] == 1
    result = httpx.get(f"{overstated_service.url}/v1/documents/{job}/result", timeout=30)
    assert result.status_code == 200
    assert result.headers["X-Segments-Untranslated"] == "1"
    out = result.text.rstrip("\n").split("\n\n")
    assert out[3] == poison and not set(out[:3]) & set(GOOD)


def test_the_poison_sentence_alone_is_still_a_422_on_translate(
    overstated_service: RunningService,
) -> None:
    body = {"text": poison_sentence(), "source": "en", "target": "de"}
    response = httpx.post(f"{overstated_service.url}/v1/translate", json=body, timeout=60)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "untranslatable_sentence"


def _wait_done(url: str, job: str) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status: dict[str, object] = httpx.get(f"{url}/v1/documents/{job}", timeout=30).json()
        if status["status"] in ("done", "error"):
            return status
        time.sleep(0.2)
    raise AssertionError("job did not finish")
