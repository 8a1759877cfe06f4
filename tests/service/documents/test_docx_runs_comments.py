"""Word runs and comments (issue 13 item 8): comments are translated; runs merge only when their
formatting is identical, so every character keeps its formatting; unchanged paragraphs keep their
runs exactly."""

from __future__ import annotations

import io
import itertools
import zipfile

import docx
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from service.documents.formats.docx import DocxFormat
from service.documents.safety import Guard
from tests.service.documents.conftest import assert_members_identical, wrap

# (text, bold, italic, underline, size, colour, highlight): 13 runs, three pairs of neighbours
# formatted alike ("quick"+" brown", "jumps"+" over", " away"+"."), as Word writes after an edit
# or a spell check splits a run.
RUNS: list[tuple[str, bool, bool, bool, int | None, str | None, bool]] = [
    ("The ", False, False, False, None, None, False),
    ("quick", True, False, False, None, None, False),
    (" brown", True, False, False, None, None, False),
    (" fox ", False, False, False, None, None, False),
    ("jumps", False, True, True, None, "C00000", False),
    (" over", False, True, True, None, "C00000", False),
    (" the ", False, False, False, None, None, False),
    ("lazy", False, False, False, 14, None, False),
    (" dog", False, False, False, None, None, True),
    (" and ", False, False, False, None, None, False),
    ("runs", True, True, False, None, None, False),
    (" away", False, False, False, None, None, False),
    (".", False, False, False, None, None, False),
]


def _formatted_docx() -> bytes:
    document = docx.Document()
    paragraph = document.add_paragraph()
    for text, bold, italic, underline, size, colour, highlight in RUNS:
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
        if size is not None:
            run.font.size = Pt(size)
        if colour is not None:
            run.font.color.rgb = RGBColor.from_string(colour)
        if highlight:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    document.add_paragraph("4711")  # nothing to translate
    comment_on = document.add_paragraph("Revenue grew by ").add_run("12%")
    document.add_comment(comment_on, text="Please check this figure.", author="Ann Lee")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _formatting(run: Run) -> bytes:
    """Everything a run's formatting is: its serialized run properties."""
    rpr = run._r.rPr
    return b"" if rpr is None else etree.tostring(rpr, with_tail=False)


def _characters(paragraph: Paragraph) -> list[tuple[str, bytes]]:
    """Each character of the paragraph with the formatting it is shown in."""
    return [(ch, _formatting(run)) for run in paragraph.runs for ch in run.text]


def test_every_character_keeps_its_formatting_when_alike_runs_merge(guard: Guard) -> None:
    data = _formatted_docx()
    out = DocxFormat().translate(data, wrap, guard)
    before = docx.Document(io.BytesIO(data)).paragraphs[0]
    after = docx.Document(io.BytesIO(out)).paragraphs[0]
    assert after.text == f"«{before.text}»"
    assert _characters(after)[1:-1] == _characters(before)
    assert len(before.runs) == 13 and len(after.runs) == 10  # the three alike pairs, nothing else


def test_only_runs_formatted_alike_share_a_run_after_translation(guard: Guard) -> None:
    out = DocxFormat().translate(_formatted_docx(), wrap, guard)
    runs = docx.Document(io.BytesIO(out)).paragraphs[0].runs
    for left, right in itertools.pairwise(runs):
        assert _formatting(left) != _formatting(right), (left.text, right.text)


def test_an_unchanged_paragraph_keeps_its_runs_and_revision_ids(guard: Guard) -> None:
    data = _formatted_docx()
    out = DocxFormat().translate(data, lambda batch: batch, guard)
    assert len(docx.Document(io.BytesIO(out)).paragraphs[0].runs) == 13
    assert_members_identical(data, out)


def test_comments_are_translated_and_keep_author_and_anchor(guard: Guard) -> None:
    data = _formatted_docx()
    out = DocxFormat().translate(data, wrap, guard)
    document = docx.Document(io.BytesIO(out))
    (comment,) = document.comments
    assert comment.text == "«Please check this figure.»"
    assert comment.author == "Ann Lee"
    body = zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml")
    assert body.count(b"commentRangeStart") == body.count(b"commentRangeEnd") == 1
    assert document.paragraphs[2].text == "«Revenue grew by 12%»"
    assert document.paragraphs[1].text == "4711"
