"""Documents go through the same real service and model as text requests."""

from __future__ import annotations

import io

import httpx
from docx import Document

from tests.service.server import RunningService


def test_a_docx_is_translated_by_the_served_model_and_keeps_its_paragraphs(
    service: RunningService,
) -> None:
    document = Document()
    document.add_heading("A dog is running in the park.", level=1)
    document.add_paragraph("A man is sitting on a bench.")
    document.add_paragraph("")
    upload = io.BytesIO()
    document.save(upload)

    response = httpx.post(
        f"{service.url}/v1/documents",
        data={"source": "en", "target": "de"},
        files={"file": ("captions.docx", upload.getvalue())},
        timeout=60,
    )

    assert response.status_code == 200, response.text
    translated = Document(io.BytesIO(response.content))
    texts = [paragraph.text for paragraph in translated.paragraphs]
    assert len(texts) == 3
    assert texts[2] == ""
    assert texts[0] != "A dog is running in the park."
    assert any(word in texts[1] for word in ("Mann", "mann", "Bank", "sitzt"))


def test_an_unknown_direction_for_a_document_is_refused_before_any_work(
    service: RunningService,
) -> None:
    response = httpx.post(
        f"{service.url}/v1/documents",
        data={"source": "en", "target": "fr"},
        files={"file": ("a.txt", b"A dog is running.\n")},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_direction"
