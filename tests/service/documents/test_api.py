"""HTTP surface on a real uvicorn server: /v1/documents, and /v2/document via the deepl client."""

from __future__ import annotations

import io
import re
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import deepl
import docx
import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from service.app import install_error_handlers
from service.documents import DocumentSettings, include_documents
from service.errors import UnsupportedDirection
from tests.service.documents.conftest import wrap


def _factory(source: str | None, target: str):  # type: ignore[no-untyped-def]
    if target.lower().startswith("xx"):
        raise UnsupportedDirection("direction not served")
    return wrap


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The routes wired exactly as the app wires them, served on loopback; spooled uploads go
    to a private temp dir so the test can see that nothing is left behind."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = FastAPI()
    install_error_handlers(app)
    settings = DocumentSettings(  # type: ignore[call-arg]
        _env_file=None, direct_max_characters=200, max_upload_bytes=2_000_000
    )
    service = include_documents(app, _factory, settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        service.close()
        assert list(tmp_path.iterdir()) == []


def _docx(paragraphs: int) -> bytes:
    document = docx.Document()
    for i in range(paragraphs):
        document.add_paragraph(f"Paragraph {i} of the contract.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_small_document_is_answered_directly(server: str) -> None:
    files = {"file": ("hello.txt", b"Hello there.\n", "text/plain")}
    r = httpx.post(f"{server}/v1/documents", data={"source": "en", "target": "de"}, files=files)
    assert r.status_code == 200
    assert r.content == "«Hello there.»\n".encode()
    assert "hello.txt" in r.headers["content-disposition"]


def test_large_document_becomes_a_job_to_poll_fetch_and_delete(server: str) -> None:
    data = _docx(40)
    files = {"file": ("contract.docx", data, "application/octet-stream")}
    r = httpx.post(f"{server}/v1/documents", data={"source": "en", "target": "de"}, files=files)
    assert r.status_code == 202
    job = r.json()["id"]
    for _ in range(200):
        status = httpx.get(f"{server}/v1/documents/{job}").json()
        if status["status"] == "done":
            break
        time.sleep(0.02)
    assert status["segments_done"] == status["segments_total"] == 40
    assert status["characters"] > 200
    result = httpx.get(f"{server}/v1/documents/{job}/result")
    assert result.status_code == 200
    paragraphs = docx.Document(io.BytesIO(result.content)).paragraphs
    assert len(paragraphs) == 40 and paragraphs[0].text == "«Paragraph 0 of the contract.»"
    assert httpx.delete(f"{server}/v1/documents/{job}").status_code == 204
    gone = httpx.get(f"{server}/v1/documents/{job}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "document_not_found"


@pytest.mark.parametrize(
    ("files", "target", "status", "code"),
    [
        ({"file": ("a.docx", b"<p>not a zip</p>")}, "de", 415, "unsupported_document_type"),
        ({"file": ("a.txt", b"x" * 2_100_000)}, "de", 413, "document_too_large"),
        ({"file": ("a.txt", b"Hello")}, "xx", 400, "unsupported_direction"),
        ({"file": ("a.docx", b"PK\x03\x04broken")}, "de", 422, "corrupt_document"),
    ],
)
def test_bad_uploads_get_the_error_envelope(
    server: str, files: dict[str, tuple[str, bytes]], target: str, status: int, code: str
) -> None:
    r = httpx.post(f"{server}/v1/documents", data={"target": target}, files=files)
    assert r.status_code == status
    assert r.json()["error"]["code"] == code
    assert (
        httpx.post(
            f"{server}/v1/documents", data={"target": "de"}, files={"file": ("ok.txt", b"Fine.")}
        ).status_code
        == 200
    )  # still healthy


def test_official_deepl_client_translates_a_document(server: str, tmp_path: Path) -> None:
    translator = deepl.Translator("test-key", server_url=server)
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    source.write_bytes(_docx(3))
    status = translator.translate_document_from_filepath(
        source, target, source_lang="EN", target_lang="DE"
    )
    assert status.done and status.billed_characters and status.billed_characters > 0
    paragraphs = docx.Document(str(target)).paragraphs
    assert [p.text for p in paragraphs][:1] == ["«Paragraph 0 of the contract.»"]
    for path in (source, target):
        path.unlink()


def test_a_deepl_document_is_downloaded_once_as_at_deepl(server: str) -> None:
    """DeepL removes a translated document once downloaded: the replica holds it no longer."""
    translator = deepl.Translator("test-key", server_url=server)
    handle = translator.translate_document_upload(_docx(3), target_lang="DE", filename="a.docx")
    for _ in range(200):
        if translator.translate_document_get_status(handle).done:
            break
        time.sleep(0.02)
    out = io.BytesIO()
    translator.translate_document_download(handle, out)
    assert out.getvalue().startswith(b"PK")
    with pytest.raises(deepl.DeepLException, match="Not found"):  # 404
        translator.translate_document_download(handle, io.BytesIO())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"formality": "more"}, "'formality' is not supported for given 'target_lang'."),
        ({"output_format": "pdf"}, "output_format 'pdf' is not supported for this document"),
        ({"style_rule": "a-style-rule-id"}, "'style_id' is not supported: this server has no"),
        (
            {"translation_memory": "a-memory-id", "translation_memory_threshold": 80},
            "'translation_memory_id' is not supported: this server has no",
        ),
    ],
    ids=["formality", "output format", "style rule", "translation memory"],
)
def test_deepl_document_options_the_service_cannot_honour_are_refused_not_ignored(
    server: str, tmp_path: Path, options: dict[str, object], message: str
) -> None:
    translator = deepl.Translator("test-key", server_url=server)
    source = tmp_path / "in.docx"
    source.write_bytes(_docx(3))
    with (
        source.open("rb") as document,
        pytest.raises(deepl.DeepLException, match=re.escape(message)) as error,
    ):
        translator.translate_document_upload(document, target_lang="DE", **options)  # type: ignore[arg-type]
    assert error.value.http_status_code == 400
    source.unlink()


def test_deepl_document_options_it_can_honour_are_accepted(server: str, tmp_path: Path) -> None:
    translator = deepl.Translator("test-key", server_url=server)
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    source.write_bytes(_docx(3))
    status = translator.translate_document_from_filepath(
        source,
        target,
        target_lang="DE",
        formality="prefer_less",
        extra_body_parameters={"output_format": "docx"},
    )
    assert status.done
    for path in (source, target):
        path.unlink()
