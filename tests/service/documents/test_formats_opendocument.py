"""OpenDocument files made with odfpy (.odt, .odp, .ods) come back with the same structure, every
text paragraph translated and every other member byte-identical."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree
from odf import dc, draw, office, presentation, style, table, text
from odf.opendocument import (
    OpenDocument,
    OpenDocumentPresentation,
    OpenDocumentSpreadsheet,
    OpenDocumentText,
)

from service.documents.formats import DocumentFormat, detect
from service.documents.formats.odf import TEXT, OdpFormat, OdsFormat, OdtFormat
from service.documents.safety import Guard
from tests.service.documents.conftest import assert_members_identical, wrap
from tests.service.documents.test_formats_office import _PNG

_INLINE = {f"{{{TEXT}}}span", f"{{{TEXT}}}a", f"{{{TEXT}}}meta"}
_EDITED = {"content.xml", "styles.xml"}


def _saved(document: OpenDocument) -> bytes:
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _bold(document: OpenDocument) -> style.Style:
    bold = style.Style(name="Bold", family="text")
    bold.addElement(style.TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    return bold


def _odt() -> bytes:
    document = OpenDocumentText()
    bold = _bold(document)
    layout = style.PageLayout(name="Page")
    document.automaticstyles.addElement(layout)
    master = style.MasterPage(name="Standard", pagelayoutname=layout)
    header = style.Header()
    header.addElement(text.P(text="Company header"))
    master.addElement(header)
    document.masterstyles.addElement(master)
    body = document.text
    body.addElement(text.H(outlinelevel=1, text="Annual report"))
    paragraph = text.P(text="This is ")
    paragraph.addElement(text.Span(stylename=bold, text="bold"))
    paragraph.addText(" and ")
    paragraph.addElement(text.A(href="https://example.com/", text="a link"))
    paragraph.addText(" with")
    paragraph.addElement(text.S(c=2))
    paragraph.addText("two spaces.")
    body.addElement(paragraph)
    items = text.List()
    for label in ("First item", "Second item"):
        item = text.ListItem()
        item.addElement(text.P(text=label))
        items.addElement(item)
    body.addElement(items)
    grid = table.Table(name="Figures")
    grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for label, number in (("North region", "1200"), ("South region", "900")):
        row = table.TableRow()
        for value in (label, number):
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        grid.addElement(row)
    body.addElement(grid)
    noted = text.P(text="Sales rose")
    note = text.Note(id="ftn1", noteclass="footnote")
    note.addElement(text.NoteCitation(text="1"))
    note_body = text.NoteBody()
    note_body.addElement(text.P(text="Compared with last year."))
    note.addElement(note_body)
    noted.addElement(note)
    noted.addText(" in spring.")
    body.addElement(noted)
    commented = text.P(text="Costs fell.")
    annotation = office.Annotation()
    annotation.addElement(dc.Creator(text="Ann Lee"))
    annotation.addElement(text.P(text="Check this figure."))
    commented.addElement(annotation)
    body.addElement(commented)
    picture = document.addPicture("Pictures/chart.png", "image/png", _PNG)
    holder = text.P()
    image_frame = draw.Frame(width="2cm", height="2cm", anchortype="as-char")
    image_frame.addElement(draw.Image(href=picture))
    holder.addElement(image_frame)
    box_frame = draw.Frame(width="4cm", height="2cm", anchortype="paragraph")
    box = draw.TextBox()
    box.addElement(text.P(text="Text in a frame"))
    box_frame.addElement(box)
    holder.addElement(box_frame)
    body.addElement(holder)
    return _saved(document)


def _odp() -> bytes:
    document = OpenDocumentPresentation()
    layout = style.PageLayout(name="Slide")
    document.automaticstyles.addElement(layout)
    master = style.MasterPage(name="Default", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    bold = _bold(document)
    for title, point in (("Quarterly results", "Revenue grew"), ("Thanks", "Questions welcome")):
        page = draw.Page(masterpagename=master)
        frame = draw.Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        box = draw.TextBox()
        box.addElement(text.P(text=title))
        frame.addElement(box)
        page.addElement(frame)
        points = draw.Frame(width="20cm", height="10cm", x="1cm", y="5cm")
        box = draw.TextBox()
        paragraph = text.P(text=point)
        paragraph.addElement(text.Span(stylename=bold, text=" strongly"))
        box.addElement(paragraph)
        points.addElement(box)
        page.addElement(points)
        notes = presentation.Notes()
        notes_frame = draw.Frame(width="20cm", height="10cm", x="1cm", y="15cm")
        box = draw.TextBox()
        box.addElement(text.P(text=f"Speaker notes for {title}"))
        notes_frame.addElement(box)
        notes.addElement(notes_frame)
        page.addElement(notes)
        document.presentation.addElement(page)
    return _saved(document)


def _cell(shown: str, **attributes: object) -> table.TableCell:
    cell = table.TableCell(**attributes)
    cell.addElement(text.P(text=shown))
    return cell


def _ods() -> bytes:
    document = OpenDocumentSpreadsheet()
    sheet = table.Table(name="Sales")
    rows = [
        [_cell("Product"), _cell("Price"), _cell("Total")],
        [
            _cell("Green apple"),
            _cell("1.50 €", valuetype="currency", currency="EUR", value="1.5"),
            _cell("3", valuetype="float", value="3", formula="of:=[.B2]*2"),
        ],
        [
            _cell("Monday, 1 January 2024", valuetype="date", datevalue="2024-01-01"),
            _cell("TRUE", valuetype="boolean", booleanvalue="true"),
            _cell("Pear salad", valuetype="string", formula='of:=CONCATENATE("Pear";" salad")'),
        ],
    ]
    annotated = _cell("42", valuetype="float", value="42")
    note = office.Annotation()
    note.addElement(text.P(text="Estimated by sales."))
    annotated.addElement(note)
    rows.append([annotated])
    for cells in rows:
        row = table.TableRow()
        for cell in cells:
            row.addElement(cell)
        sheet.addElement(row)
    document.spreadsheet.addElement(sheet)
    return _saved(document)


def _tree(data: bytes, member: str = "content.xml") -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(member))


def _own_text(element: etree._Element) -> str:
    """A paragraph's text as one unit: spans and links included, atoms (notes, frames) not."""
    out = [element.text or ""]
    for child in element:
        if child.tag in _INLINE:
            out.append(_own_text(child))
        out.append(child.tail or "")
    return "".join(out)


def _paragraph_texts(root: etree._Element) -> list[str]:
    return [_own_text(p) for p in root.iter(f"{{{TEXT}}}p", f"{{{TEXT}}}h")]


def _skeleton(root: etree._Element) -> list[tuple[str, dict[str, str]]]:
    """Every element with its attributes, in order: the structure that must survive."""
    return [(str(e.tag), dict(e.attrib)) for e in root.iter() if isinstance(e.tag, str)]


def _assert_same_package_but_text(data: bytes, out: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert [(i.filename, i.compress_type) for i in a.infolist()] == [
            (i.filename, i.compress_type) for i in b.infolist()
        ]
        assert b.infolist()[0].filename == "mimetype" and b.read("mimetype") == a.read("mimetype")
        for name in a.namelist():
            if name not in _EDITED:
                assert a.read(name) == b.read(name), name
            elif name.endswith(".xml"):
                assert _skeleton(_tree(out, name)) == _skeleton(_tree(data, name)), name


def _translated(data: bytes, document_format: DocumentFormat, guard: Guard) -> bytes:
    """Detected from content alone and translated, with the package otherwise unchanged."""
    assert detect(data, None).name == document_format.name
    out = document_format.translate(data, wrap, guard)
    _assert_same_package_but_text(data, out)
    return out


def test_odt_translates_headings_lists_tables_notes_comments_frames_and_headers(
    guard: Guard,
) -> None:
    out = _translated(_odt(), OdtFormat(), guard)
    assert _paragraph_texts(_tree(out)) == [
        "«Annual report»",
        "«This is bold and a link withtwo spaces.»",
        "«First item»",
        "«Second item»",
        "«North region»",
        "1200",
        "«South region»",
        "900",
        "«Sales rose in spring.»",
        "«Compared with last year.»",
        "«Costs fell.»",
        "«Check this figure.»",
        "",
        "«Text in a frame»",
    ]
    assert _paragraph_texts(_tree(out, "styles.xml")) == ["«Company header»"]
    content = zipfile.ZipFile(io.BytesIO(out)).read("content.xml")
    assert b'<text:span text:style-name="Bold">bold</text:span>' in content
    assert b'xlink:href="https://example.com/"' in content and b">a link</text:a>" in content
    assert b"<dc:creator>Ann Lee</dc:creator>" in content


def test_odp_translates_every_slide_and_its_notes(guard: Guard) -> None:
    out = _translated(_odp(), OdpFormat(), guard)
    assert _paragraph_texts(_tree(out)) == [
        "«Quarterly results»",
        "«Revenue grew strongly»",
        "«Speaker notes for Quarterly results»",
        "«Thanks»",
        "«Questions welcome strongly»",
        "«Speaker notes for Thanks»",
    ]
    pages = _tree(out).iter("{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}page")
    assert len(list(pages)) == 2


def test_ods_translates_text_cells_and_keeps_numbers_dates_and_formulas(guard: Guard) -> None:
    out = _translated(_ods(), OdsFormat(), guard)
    assert _paragraph_texts(_tree(out)) == [
        "«Product»",
        "«Price»",
        "«Total»",
        "«Green apple»",
        "1.50 €",
        "3",
        "Monday, 1 January 2024",
        "TRUE",
        "Pear salad",
        "42",
        "«Estimated by sales.»",
    ]
    sheet = next(_tree(out).iter(f"{{{table.TABLENS}}}table"))
    assert sheet.get(f"{{{table.TABLENS}}}name") == "Sales"


def test_an_untouched_opendocument_comes_back_byte_for_byte(guard: Guard) -> None:
    data = _odt()
    out = OdtFormat().translate(data, lambda batch: batch, guard)
    assert_members_identical(data, out)


@pytest.mark.parametrize(
    ("build", "claimed"),
    [(_odt, "deck.odp"), (_ods, "report.odt"), (_odp, "sales.ods")],
)
def test_an_opendocument_named_as_another_type_is_refused(build: object, claimed: str) -> None:
    from service.documents.errors import UnsupportedDocumentError

    assert callable(build)
    with pytest.raises(UnsupportedDocumentError):
        detect(build(), claimed)
