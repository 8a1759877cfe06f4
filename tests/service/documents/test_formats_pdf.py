"""PDF with a text layer, made with reportlab: several pages, two columns, a table, a picture.
Every block comes back translated inside its own box; pages, picture and lines stay."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTPage, LTRect, LTTextBoxHorizontal, LTTextLine
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from service.documents.errors import NoTextLayerError, UnsafeDocumentError
from service.documents.formats import detect
from service.documents.formats.pdf import SHOW_TEXT, PdfFormat
from service.documents.safety import Guard
from service.documents.settings import DocumentSettings
from tests.service.documents.conftest import wrap
from tests.service.documents.test_formats_office import _PNG

WIDTH, HEIGHT = A4
LEFT = [
    "The garden was quiet in the spring.",
    "Many new members joined the club.",
    "They planted roses.",
]
RIGHT = [
    "The summer was dry and hot.",
    "We watered the plants every evening.",
    "Nobody complained.",
]


def _page_one(sheet: canvas.Canvas) -> None:
    sheet.setFont("Helvetica-Bold", 18)
    sheet.setFillColorRGB(0.1, 0.3, 0.6)
    sheet.drawString(72, HEIGHT - 72, "Annual report of the garden club")
    sheet.setFillColorRGB(0, 0, 0)
    sheet.setFont("Helvetica", 10)
    for i, (left, right) in enumerate(zip(LEFT, RIGHT, strict=True)):
        sheet.drawString(72, HEIGHT - 120 - 14 * i, left)
        sheet.drawString(320, HEIGHT - 120 - 14 * i, right)
    sheet.drawImage(ImageReader(io.BytesIO(_PNG)), 72, HEIGHT - 300, 100, 100)


def _table(sheet: canvas.Canvas) -> None:
    sheet.setFont("Helvetica", 11)
    top = HEIGHT - 100
    rows = [("Region", "Members"), ("North garden", "120"), ("South garden", "85")]
    for r, (region, members) in enumerate(rows):
        sheet.rect(72, top - 30 * (r + 1), 200, 30)
        sheet.rect(272, top - 30 * (r + 1), 100, 30)
        sheet.drawString(80, top - 30 * r - 20, region)
        sheet.drawString(280, top - 30 * r - 20, members)


def real_looking_pdf() -> bytes:
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    _page_one(sheet)
    sheet.showPage()
    _table(sheet)
    sheet.showPage()
    sheet.setFont("Helvetica-Oblique", 12)
    sheet.drawString(72, HEIGHT - 72, "The last page has a short closing note.")
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def scanned_pdf() -> bytes:
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    sheet.drawImage(ImageReader(io.BytesIO(_PNG)), 0, 0, WIDTH, HEIGHT)
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def _boxes(data: bytes) -> list[list[LTTextBoxHorizontal]]:
    pages: list[LTPage] = list(extract_pages(io.BytesIO(data)))
    return [[b for b in page if isinstance(b, LTTextBoxHorizontal)] for page in pages]


def _chars(box: LTTextBoxHorizontal) -> list[LTChar]:
    return [
        c for line in box if isinstance(line, LTTextLine) for c in line if isinstance(c, LTChar)
    ]


def _placed_well(char: LTChar, before: LTPage, slack: float = 1.0) -> bool:
    """In the band of an original block, from its left edge on, and clear of every other
    original block and of every rectangle's left and right border (a table's rules)."""
    boxes = [b for b in before if isinstance(b, LTTextBoxHorizontal)]
    middle = (char.y0 + char.y1) / 2
    home = [b for b in boxes if b.y0 - slack <= middle <= b.y1 + slack and char.x0 >= b.x0 - slack]
    if not home:
        return False
    own = max(home, key=lambda b: b.x0)
    others = [b.bbox for b in boxes if b is not own]
    for rect in (r for r in before if isinstance(r, LTRect)):
        others += [(rect.x0, rect.y0, rect.x0, rect.y1), (rect.x1, rect.y0, rect.x1, rect.y1)]
    return not any(
        char.x0 < x1 - slack and x0 + slack < char.x1 and char.y0 < y1 and y0 < char.y1
        for x0, y0, x1, y1 in others
    )


def _layouts(data: bytes) -> list[LTPage]:
    return list(extract_pages(io.BytesIO(data)))


def _operators(data: bytes, page: int) -> list[bytes]:
    reader = PdfReader(io.BytesIO(data))
    return [op for _, op in ContentStream(reader.pages[page].get_contents(), reader).operations]


def test_every_block_is_translated_inside_its_own_box_on_every_page(guard: Guard) -> None:
    data = real_looking_pdf()
    assert detect(data, None).name == "pdf"
    out = PdfFormat().translate(data, wrap, guard)
    before, after = _boxes(data), _boxes(out)
    assert len(after) == len(before) == 3
    texts = [[b.get_text().replace("\n", " ").strip() for b in page] for page in after]
    assert texts[0][0] == "«Annual report of the garden club»"
    assert f"«{' '.join(LEFT)}»" in [" ".join(t.split()) for t in texts[0]]
    assert sorted(texts[1]) == sorted(
        ["«Region»", "«Members»", "«North garden»", "120", "«South garden»", "85"]
    )
    assert texts[2] == ["«The last page has a short closing note.»"]
    for page_before, page_after in zip(_layouts(data), after, strict=True):
        for box in page_after:
            assert all(_placed_well(c, page_before) for c in _chars(box)), box.get_text()


def test_pages_the_picture_and_the_lines_survive(guard: Guard) -> None:
    data = real_looking_pdf()
    out = PdfFormat().translate(data, wrap, guard)
    before, after = PdfReader(io.BytesIO(data)), PdfReader(io.BytesIO(out))
    assert [p.mediabox for p in after.pages] == [p.mediabox for p in before.pages]
    (image,) = after.pages[0].images
    assert image.data == before.pages[0].images[0].data
    for page in range(3):  # every drawing operator, in order (the overlay only adds)
        kept = iter(_operators(out, page))
        assert all(op in kept for op in _operators(data, page) if op not in SHOW_TEXT), page
    assert _operators(data, 1).count(b"re") == 6  # the table's cells


def test_a_longer_translation_shrinks_to_fit_its_box(guard: Guard) -> None:
    data = real_looking_pdf()
    out = PdfFormat().translate(data, lambda batch: [f"{s} {s} {s}" for s in batch], guard)
    after = _boxes(out)
    title = _chars(after[0][0])
    assert max(c.size for c in title) < 18
    for page_before, page_after in zip(_layouts(data), after, strict=True):
        for box in page_after:
            assert all(_placed_well(c, page_before) for c in _chars(box)), box.get_text()


def test_a_short_table_cell_widens_to_its_border_before_shrinking(guard: Guard) -> None:
    data = real_looking_pdf()
    out = PdfFormat().translate(data, lambda batch: [f"{s} und mehr" for s in batch], guard)
    cell = next(b for b in _boxes(out)[1] if b.get_text().startswith("North garden"))
    assert min(c.size for c in _chars(cell)) >= 11 * 0.8  # 11 pt, widened instead
    assert cell.x1 <= 272  # the cell's right border


def test_an_untranslated_pdf_is_copied_page_for_page(guard: Guard) -> None:
    data = real_looking_pdf()
    out = PdfFormat().translate(data, lambda batch: batch, guard)
    for page in range(3):
        assert _operators(out, page) == _operators(data, page)


def test_a_scan_without_text_is_refused_with_a_clear_message(guard: Guard) -> None:
    data = scanned_pdf()
    with pytest.raises(NoTextLayerError, match="no text layer"):
        PdfFormat().prepare(data, guard)


def test_a_pdf_over_the_page_limit_is_refused_before_any_layout() -> None:
    guard = Guard(DocumentSettings(_env_file=None, pdf_max_pages=2))  # type: ignore[call-arg]
    with pytest.raises(UnsafeDocumentError, match="more pages"):
        PdfFormat().prepare(real_looking_pdf(), guard)


def test_translating_a_pdf_writes_no_temporary_file(
    guard: Guard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    PdfFormat().translate(real_looking_pdf(), wrap, guard)
    assert list(tmp_path.iterdir()) == []
