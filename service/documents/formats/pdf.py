"""PDF with a text layer (.pdf): every text block of every page, in reading order.

pdfminer.six (MIT) finds the blocks (its layout analysis groups characters into lines and lines
into boxes, columns apart); pypdf (BSD-3-Clause) checks the file first, with its decompression
limits set from the settings, and edits the pages; reportlab (BSD) sets the translated text.
PyMuPDF would do all three but is AGPL, which the project's Apache-2.0 licence cannot take.

On a page with a translated block, the text-showing operators of the page's own content stream
are removed (everything else stays: images, vector graphics, colours, clipping) and every block
is set again into its own box, in the standard font of its weight, its colour and at most its
size: the size shrinks until the lines fit the box, so text never runs onto other content (a
block that would shrink below 80% may first widen to the right, up to the next content in its
band: another block, a picture, a line, a table cell's border, or the right margin). Text
inside form XObjects, rotated or vertical text and rotated pages are left as they are (their
blocks are not translated). A block is one segment: its lines are joined by spaces.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from pdfminer.high_level import extract_pages
from pdfminer.layout import (
    LAParams,
    LTChar,
    LTContainer,
    LTCurve,
    LTFigure,
    LTImage,
    LTLine,
    LTPage,
    LTRect,
    LTTextBoxHorizontal,
    LTTextLine,
)
from pypdf import Configuration, PageObject, PdfReader, PdfWriter, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ContentStream, IndirectObject, StreamObject
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from service.documents.errors import (
    CorruptDocumentError,
    DocumentError,
    EncryptedDocumentError,
    NoTextLayerError,
    UnsafeDocumentError,
    UnsupportedDocumentError,
)
from service.documents.formats.base import DocumentFormat, Extraction, Probe
from service.documents.safety import Guard
from service.documents.segments import Unit

logger = logging.getLogger(__name__)

SHOW_TEXT = frozenset({b"Tj", b"TJ", b"'", b'"'})
#: Dictionary marks (after "<<" -> "{", ">>" -> "}") become array marks; everything else goes.
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_LEADING = 1.15  # line height over font size
_SHRINK = 0.93  # font size step while fitting a block into its box
_MIN_SIZE = 2.0  # points
_GROW_BELOW = 0.8  # a block that would shrink below this share of its size may grow rightwards
_PADDING = 2.0  # points kept free before the next content on the right
_FONTS = {
    (False, False): "Helvetica",
    (True, False): "Helvetica-Bold",
    (False, True): "Helvetica-Oblique",
    (True, True): "Helvetica-BoldOblique",
}


@dataclass
class _Block:
    """One text box of a page: where it is, how it looked, and its unit."""

    box: tuple[float, float, float, float]
    size: float
    font: str
    colour: tuple[float, float, float]
    unit: Unit
    room: float = 0.0  # the right edge the block may grow to, short of other content


@dataclass
class _Page:
    number: int
    origin: tuple[float, float]
    blocks: list[_Block]


def _limits(guard: Guard) -> AbstractContextManager[Configuration]:
    """pypdf's decompression limits, from the settings, for this document only (a context
    variable: other threads keep theirs)."""
    limit = guard.settings.pdf_max_stream_bytes
    return apply_configuration(
        zlib_maximum_output_length=limit,
        lzw_maximum_output_length=limit,
        run_length_maximum_output_length=limit,
        array_based_stream_maximum_output_length=limit,
        maximum_declared_stream_length=limit,
    )


def _check_nesting(data: bytes, guard: Guard) -> None:
    """Refuse more array or dictionary openings in a row (whatever lies between, closings
    apart) than the XML depth limit: both parsers would spend seconds on them (pdfminer reads
    about 30,000 tokens a second on the busy test machine). Linear: three passes in C."""
    marks = data.replace(b"<<", b"{").replace(b">>", b"}").translate(_AS_BRACKETS, _NOT_BRACKETS)
    if b"[" * (guard.settings.xml_max_depth + 1) in marks:
        raise UnsafeDocumentError("The PDF's objects are nested too deeply.")


def _open_checked(data: bytes, guard: Guard) -> PdfReader:
    """A reader over a PDF that passed every limit: pages, objects, nesting, each stream's and
    all streams' decoded bytes (images are left encoded: nothing here decodes them)."""
    settings = guard.settings
    _check_nesting(data, guard)
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise EncryptedDocumentError()
    if len(reader.pages) > settings.pdf_max_pages:
        raise UnsafeDocumentError("The PDF has more pages than allowed.")
    references = [(g, n) for g, table in reader.xref.items() for n in table]
    references += [(0, n) for n in reader.xref_objStm]
    if len(references) > settings.pdf_max_objects:
        raise UnsafeDocumentError("The PDF has more objects than allowed.")
    total = 0
    for count, (generation, number) in enumerate(references):
        stream = reader.get_object(IndirectObject(number, generation, reader))
        if isinstance(stream, StreamObject) and stream.get("/Subtype") != "/Image":
            decoded = stream.get_data()
            _check_nesting(decoded, guard)
            total += len(decoded)
            if total > settings.zip_max_uncompressed_bytes:
                raise UnsafeDocumentError("The PDF's streams expand beyond the allowed size.")
        if count % 256 == 0:
            guard.check_time()
    return reader


def _dominant_style(box: LTTextBoxHorizontal) -> tuple[float, str, tuple[float, float, float]]:
    chars = [
        c for line in box if isinstance(line, LTTextLine) for c in line if isinstance(c, LTChar)
    ]
    size = Counter(round(c.size, 1) for c in chars).most_common(1)[0][0]
    name = Counter(c.fontname for c in chars).most_common(1)[0][0].lower()
    font = _FONTS[("bold" in name or "black" in name, "italic" in name or "oblique" in name)]
    return size, font, _colour(chars[0])


def _colour(char: LTChar) -> tuple[float, float, float]:
    value = char.graphicstate.ncolor
    if isinstance(value, (int, float)):
        return (float(value),) * 3
    if isinstance(value, tuple) and len(value) == 3:
        return (float(value[0]), float(value[1]), float(value[2]))
    return (0.0, 0.0, 0.0)  # CMYK, patterns: black


def _block_text(box: LTTextBoxHorizontal) -> str:
    return " ".join(line.get_text().strip() for line in box if isinstance(line, LTTextLine))


def _upright(page: LTPage) -> bool:
    return all(
        c.upright
        for box in page
        if isinstance(box, LTTextBoxHorizontal)
        for line in box
        if isinstance(line, LTTextLine)
        for c in line
        if isinstance(c, LTChar)
    )


def _layout(data: bytes, reader: PdfReader, guard: Guard) -> list[_Page]:
    """The blocks of every page that can be set again (upright text, page not rotated)."""
    pages: list[_Page] = []
    seen_text = False
    laparams = LAParams()
    for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=laparams)):
        guard.check_time()
        boxes = [b for b in page if isinstance(b, LTTextBoxHorizontal) and b.get_text().strip()]
        seen_text = seen_text or bool(boxes) or any(True for _ in _chars_anywhere(page))
        source = reader.pages[number]
        if not boxes or not _upright(page) or int(source.get("/Rotate", 0)) % 360:
            continue
        mediabox = source.mediabox
        blocks = [_Block(b.bbox, *_dominant_style(b), Unit([_block_text(b)])) for b in boxes]
        _measure_room(blocks, _obstacles(page), page.width - min(b.x0 for b in boxes))
        pages.append(_Page(number, (float(mediabox.left), float(mediabox.bottom)), blocks))
    if not seen_text:
        raise NoTextLayerError()
    return pages


def _obstacles(page: LTPage) -> list[tuple[float, float, float, float]]:
    """What a growing block must not reach: text boxes, pictures, figures, lines, and the left
    and right edges of rectangles (a table cell's borders, not its inside)."""
    found: list[tuple[float, float, float, float]] = []
    for item in page:
        if isinstance(item, LTRect):
            x0, y0, x1, y1 = item.bbox
            found += [(x0, y0, x0, y1), (x1, y0, x1, y1)]
        elif isinstance(item, (LTTextBoxHorizontal, LTFigure, LTImage, LTLine, LTCurve)):
            found.append(item.bbox)
    return found


def _measure_room(
    blocks: list[_Block], obstacles: list[tuple[float, float, float, float]], limit: float
) -> None:
    """Each block's right edge if it grows: the nearest obstacle ahead in its band, or the
    right margin (as wide as the left one)."""
    for block in blocks:
        _, y0, x1, y1 = block.box
        ahead = [o[0] for o in obstacles if o[3] > y0 and o[1] < y1 and o[0] >= x1 - 0.5]
        block.room = max(x1, min([limit, *ahead]) - _PADDING)


def _chars_anywhere(item: object) -> Iterator[LTChar]:
    if isinstance(item, LTChar):
        yield item
    elif isinstance(item, LTContainer):
        for child in item:
            yield from _chars_anywhere(child)


def _remove_page_text(page: PageObject, writer: PdfWriter) -> None:
    """Drop the operators that show text; state changes (colours, fonts, matrices) stay."""
    content = ContentStream(page.get_contents(), writer)
    content.operations = [(args, op) for args, op in content.operations if op not in SHOW_TEXT]
    page.replace_contents(content)


def _fit(
    text: str, font: str, size: float, box: tuple[float, float, float, float]
) -> tuple[float, list[str]]:
    """The largest size up to the original at which the wrapped lines fit the box."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    while True:
        lines = simpleSplit(text, font, size, width)
        tall = size + (len(lines) - 1) * size * _LEADING
        wide = max((stringWidth(line, font, size) for line in lines), default=0.0)
        if (tall <= height + 0.5 and wide <= width + 0.5) or size <= _MIN_SIZE:
            return size, lines
        size = max(size * _SHRINK, _MIN_SIZE)


def _overlay(page: _Page, width: float, height: float) -> bytes:
    """One page of text only, same size: every block set into its box."""
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    dx, dy = page.origin
    for block in page.blocks:
        text = block.unit.output_text()
        _require_latin(text)
        size, lines = _fit(text, block.font, block.size, block.box)
        if size < block.size * _GROW_BELOW:
            x0, y0, _, y1 = block.box
            wider = _fit(text, block.font, block.size, (x0, y0, block.room, y1))
            size, lines = max((size, lines), wider, key=lambda fitted: fitted[0])
        sheet.setFont(block.font, size)
        sheet.setFillColorRGB(*block.colour)
        x0, _, _, y1 = block.box
        baseline = y1 - size * 0.8
        for line in lines:
            sheet.drawString(x0 + dx, baseline + dy, line)
            baseline -= size * _LEADING
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def _require_latin(text: str) -> None:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        raise UnsupportedDocumentError(
            "PDF output supports Latin-script target languages only."
        ) from None


class PdfFormat(DocumentFormat):
    name = "pdf"
    extensions = (".pdf",)
    media_type = "application/pdf"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return b"%PDF-" in probe.data[:1024]

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        with _limits(guard):
            try:
                reader = _open_checked(data, guard)
                pages = _layout(data, reader, guard)
            except DocumentError:
                raise
            except LimitReachedError:
                raise UnsafeDocumentError("A PDF stream expands beyond the allowed size.") from None
            except Exception as exc:  # two parsers of hostile input: anything is "damaged"
                logger.debug("pdf refused: %s", type(exc).__name__)
                raise CorruptDocumentError("The PDF is damaged or unsupported.") from None

        def rebuild() -> bytes:
            with _limits(guard):
                return _rebuild(reader, pages)

        return Extraction([b.unit for p in pages for b in p.blocks], rebuild)


def _rebuild(reader: PdfReader, pages: list[_Page]) -> bytes:
    writer = PdfWriter(clone_from=reader)
    for page in pages:
        if not any(block.unit.changed for block in page.blocks):
            continue
        target = writer.pages[page.number]
        _remove_page_text(target, writer)
        width, height = float(target.mediabox.width), float(target.mediabox.height)
        target.merge_page(PdfReader(io.BytesIO(_overlay(page, width, height))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
