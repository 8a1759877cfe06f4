"""Documents go through the same real service and model as text requests."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import deepl
import httpx
import pytest
from docx import Document
from pypdf import PdfReader

from service.documents.formats import detect
from tests.service.documents.test_formats_epub import epub
from tests.service.documents.test_formats_opendocument import _odp, _ods, _odt
from tests.service.documents.test_formats_pdf import real_looking_pdf
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


def _text_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize(
    ("build", "filename"),
    [(_odt, "report.odt"), (_odp, "deck.odp"), (_ods, "sales.ods"), (epub, "book.epub")],
)
def test_the_official_deepl_client_translates_opendocument_and_epub(
    service: RunningService, build: Callable[[], bytes], filename: str
) -> None:
    source = build()
    translated = io.BytesIO()
    deepl.Translator("any-key:fx", server_url=service.url).translate_document(
        io.BytesIO(source), translated, source_lang="EN", target_lang="DE", filename=filename
    )
    out = translated.getvalue()
    assert detect(out, filename).name == detect(source, filename).name
    before, after = _text_members(source), _text_members(out)
    assert list(after) == list(before)
    changed = [name for name in before if before[name] != after[name]]
    assert changed and all(name.endswith((".xml", ".xhtml", ".opf", ".ncx")) for name in changed)


def test_the_official_deepl_client_translates_a_pdf_page_for_page(service: RunningService) -> None:
    source = real_looking_pdf()
    translated = io.BytesIO()
    deepl.Translator("any-key:fx", server_url=service.url).translate_document(
        io.BytesIO(source), translated, source_lang="EN", target_lang="DE", filename="report.pdf"
    )
    before, after = PdfReader(io.BytesIO(source)), PdfReader(io.BytesIO(translated.getvalue()))
    assert [p.mediabox for p in after.pages] == [p.mediabox for p in before.pages]
    assert after.pages[0].extract_text() != before.pages[0].extract_text()
