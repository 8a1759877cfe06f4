"""A client that closes mid-upload is its own doing: no traceback, no 5xx, a 499 in the metrics.

Every route that reads a body gets half of one over a raw socket, then the socket closes.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.service.server import RunningService, running_service

pytestmark = pytest.mark.slow

BOUNDARY = "half-upload-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def multipart_upload() -> bytes:
    fields = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="target_lang"\r\n\r\nDE\r\n'
    file_head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    )
    return (fields + file_head + "A dog runs. " * 400 + f"\r\n--{BOUNDARY}--\r\n").encode()


JSON_TEXT = b'{"text": "' + b"A dog runs. " * 100 + b'", "source": "en", "target": "de"}'
FORM_TEXT = b"target_lang=DE&text=" + b"A+dog+runs.+" * 100

# (request path, metrics endpoint label, content type, full body): every route reading a body.
CASES = [
    ("/v1/documents", "/v1/documents", MULTIPART, multipart_upload()),
    ("/v2/document", "/v2/document", MULTIPART, multipart_upload()),
    ("/v2/document/abc", "/v2/document/{document_id}", FORM, b"document_key=" + b"k" * 400),
    ("/v2/document/abc/result", "/v2/document/{document_id}/result", JSON, JSON_TEXT),
    ("/v1/translate", "/v1/translate", JSON, JSON_TEXT),
    ("/v2/translate", "/v2/translate", JSON, JSON_TEXT),
    ("/v2/translate", "/v2/translate", FORM, FORM_TEXT),
    ("/v2/languages", "/v2/languages", FORM, b"type=target&pad=" + b"x" * 400),
]


@pytest.fixture(scope="module")
def service(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """A server of its own, so its log holds only what these cases caused."""
    log = tmp_path_factory.mktemp("disconnect") / "service.log"
    with running_service(models_dir, log) as running:
        yield running


def send_half_and_close(url: str, path: str, content_type: str, body: bytes) -> None:
    """Headers promising the whole body, half of it, then a closed socket."""
    address = urlsplit(url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port)) as sock:
        sock.sendall(head + body[: len(body) // 2])
        time.sleep(0.2)  # the server is reading the body when the client leaves


def request_counts(url: str, endpoint: str) -> dict[str, float]:
    """``mt_http_requests_total`` of one endpoint's POSTs, by status."""
    text = httpx.get(f"{url}/metrics", timeout=5).text
    pattern = re.compile(
        r'^mt_http_requests_total\{endpoint="' + re.escape(endpoint) + r'",method="POST",'
        r'status="(\d+)"\} (\S+)$',
        re.MULTILINE,
    )
    return {status: float(value) for status, value in pattern.findall(text)}


def wait_for_count(url: str, endpoint: str, before: float) -> dict[str, float]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        counts = request_counts(url, endpoint)
        if sum(counts.values()) > before:
            return counts
        time.sleep(0.05)
    raise AssertionError(f"the aborted request to {endpoint} was never counted")


@pytest.mark.parametrize(
    ("path", "endpoint", "content_type", "body"),
    CASES,
    ids=[f"{path}-{ctype.split(';')[0]}" for path, _, ctype, _ in CASES],
)
def test_aborted_body_is_counted_499_without_traceback(
    service: RunningService, path: str, endpoint: str, content_type: str, body: bytes
) -> None:
    before = request_counts(service.url, endpoint)
    send_half_and_close(service.url, path, content_type, body)
    after = wait_for_count(service.url, endpoint, sum(before.values()))

    assert after.get("499", 0) == before.get("499", 0) + 1
    assert not [status for status in after if status.startswith("5")]
    time.sleep(0.1)  # a traceback would be written right after the answer
    assert "Traceback" not in service.logs()
    assert f"client closed the connection during POST {endpoint}" in service.logs()


def test_server_still_answers_after_aborted_uploads(service: RunningService) -> None:
    for path, _, content_type, body in CASES:
        send_half_and_close(service.url, path, content_type, body)
    answer = httpx.post(
        f"{service.url}/v1/translate",
        json={"text": "A dog runs.", "source": "en", "target": "de"},
        timeout=30,
    )
    assert answer.status_code == 200
