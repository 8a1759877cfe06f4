"""Office formats (made with python-docx, python-pptx, openpyxl) keep their structure."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import docx
import openpyxl
import pptx
from docx.shared import Pt
from pptx.util import Inches

from service.documents.formats import detect
from service.documents.formats.docx import DocxFormat
from service.documents.formats.pptx import PptxFormat
from service.documents.formats.xlsx import XlsxFormat
from service.documents.safety import Guard
from tests.service.documents.conftest import shout, wrap


def _png() -> bytes:
    """A valid 1x1 PNG, built by hand (no imaging library needed)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


_PNG = _png()
_TEXTBOX = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    ' xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox><w:txbxContent>'
    "<w:p><w:r><w:t>Text in a box</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape>"
    "</w:pict></w:r>"
)


def _docx() -> bytes:
    from lxml import etree

    document = docx.Document()
    document.add_heading("Annual report", level=1)
    p = document.add_paragraph("This is ")
    p.add_run("bold").bold = True
    p.add_run(" and ")
    p.add_run("italic").italic = True
    p.add_run(" text.")
    p.add_run().add_picture(io.BytesIO(_PNG))
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"Cell {r} {c}" if c == 0 else str(r * 10)
    document.sections[0].header.paragraphs[0].text = "Company header"
    document.sections[0].footer.paragraphs[0].text = "Page footer"
    document.add_paragraph("Box holder").runs[0]._r.addnext(etree.fromstring(_TEXTBOX))
    styled = document.add_paragraph("Large text")
    styled.runs[0].font.size = Pt(20)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_keeps_paragraphs_tables_runs_images_and_headers(guard: Guard) -> None:
    data = _docx()
    assert detect(data, "report.docx").name == "docx"
    out = DocxFormat().translate(data, wrap, guard)
    before, after = docx.Document(io.BytesIO(data)), docx.Document(io.BytesIO(out))
    assert len(after.paragraphs) == len(before.paragraphs)
    assert [p.style.name for p in after.paragraphs] == [p.style.name for p in before.paragraphs]
    assert len(after.tables) == 1 and len(after.tables[0].rows) == 2
    assert [c.text for c in after.tables[0].rows[1].cells] == ["«Cell 1 0»", "10"]
    assert after.paragraphs[0].text == "«Annual report»"
    runs = [(r.text, r.bold, r.italic) for r in after.paragraphs[1].runs if r.text]
    assert runs[:4] == [
        ("«This is ", None, None),
        ("bold", True, None),
        (" and ", None, None),
        ("italic", None, True),
    ]
    assert after.paragraphs[1].text == "«This is bold and italic text.»"  # picture before "»"
    assert len(after.inline_shapes) == len(before.inline_shapes) == 1
    assert after.sections[0].header.paragraphs[0].text == "«Company header»"
    assert after.sections[0].footer.paragraphs[0].text == "«Page footer»"
    assert after.paragraphs[-1].runs[0].font.size == Pt(20)
    assert "«Text in a box»".encode() in zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml")
    with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name not in ("word/document.xml", "word/header1.xml", "word/footer1.xml"):
                assert a.read(name) == b.read(name), name


def test_docx_runs_survive_a_translator_that_mangles_tags(guard: Guard) -> None:
    out = DocxFormat().translate(_docx(), shout, guard)
    paragraph = docx.Document(io.BytesIO(out)).paragraphs[1]
    assert [(r.text, r.bold) for r in paragraph.runs if r.text][:2] == [
        ("THIS IS ", None),
        ("BOLD", True),
    ]


def _pptx() -> bytes:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Quarterly results"
    body = slide.placeholders[1].text_frame
    body.text = "Revenue grew"
    run = body.paragraphs[0].add_run()
    run.text = " strongly"
    run.font.bold = True
    body.add_paragraph().text = "Costs fell"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1)).table
    table.cell(0, 0).text, table.cell(0, 1).text = "Region", "Total"
    table.cell(1, 0).text, table.cell(1, 1).text = "North", "1200"
    slide.shapes.add_picture(io.BytesIO(_PNG), Inches(5), Inches(1))
    slide.notes_slide.notes_text_frame.text = "Speaker notes here"
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Thanks"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def test_pptx_keeps_slides_shapes_tables_and_notes(guard: Guard) -> None:
    data = _pptx()
    assert detect(data, "deck.pptx").name == "pptx"
    out = PptxFormat().translate(data, wrap, guard)
    before, after = pptx.Presentation(io.BytesIO(data)), pptx.Presentation(io.BytesIO(out))
    assert len(after.slides) == len(before.slides) == 2
    for a, b in zip(before.slides, after.slides, strict=True):
        assert [(s.shape_type, s.left, s.top, s.width) for s in a.shapes] == [
            (s.shape_type, s.left, s.top, s.width) for s in b.shapes
        ]
    slide = after.slides[0]
    assert slide.shapes.title.text == "«Quarterly results»"
    paragraphs = slide.placeholders[1].text_frame.paragraphs
    assert [p.text for p in paragraphs] == ["«Revenue grew strongly»", "«Costs fell»"]
    assert [(r.text, r.font.bold) for r in paragraphs[0].runs] == [
        ("«Revenue grew", None),
        (" strongly", True),
        ("»", None),
    ]
    table = next(s for s in slide.shapes if s.has_table).table
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["«Region»", "«Total»"],
        ["«North»", "1200"],
    ]
    assert slide.notes_slide.notes_text_frame.text == "«Speaker notes here»"
    assert after.slides[1].shapes.title.text == "«Thanks»"


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales"
    sheet.append(["Product", "Price", "Quantity", "Total"])
    sheet.append(["Green apple", 1.5, 10, "=B2*C2"])
    sheet.append(["Pear", 2.25, 4, "=B3*C3"])
    sheet["B2"].number_format = "0.00 €"
    sheet["A5"] = "2024"
    other = book.create_sheet("Notes")
    other["A1"] = "Prices include tax"
    other.merge_cells("A1:C1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_translates_text_cells_and_keeps_numbers_formulas_formats(guard: Guard) -> None:
    data = _xlsx()
    assert detect(data, "sales.xlsx").name == "xlsx"
    out = XlsxFormat().translate(data, wrap, guard)
    before, after = (
        openpyxl.load_workbook(io.BytesIO(data)),
        openpyxl.load_workbook(io.BytesIO(out)),
    )
    assert after.sheetnames == before.sheetnames == ["Sales", "Notes"]
    sales = after["Sales"]
    assert [c.value for c in sales[1]] == ["«Product»", "«Price»", "«Quantity»", "«Total»"]
    assert [c.value for c in sales[2]] == ["«Green apple»", 1.5, 10, "=B2*C2"]
    assert sales["B2"].number_format == "0.00 €"
    assert sales["A5"].value == "2024"
    assert sales.dimensions == before["Sales"].dimensions
    assert after["Notes"]["A1"].value == "«Prices include tax»"
    assert [str(r) for r in after["Notes"].merged_cells.ranges] == ["A1:C1"]
