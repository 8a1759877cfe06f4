"""Word's run wrappers: text in a tracked insertion or move, a smart tag or an inline content
control is translated and stays inside its wrapper (author, date, the control's properties
kept); a tracked deletion is left as it was."""

from __future__ import annotations

import io
import re

import docx
from lxml import etree

from service.documents.formats.docx import DocxFormat
from service.documents.safety import Guard
from tests.service.documents.conftest import wrap

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PARAGRAPH = f"""<w:p xmlns:w="{W}">
  <w:r><w:t xml:space="preserve">The board </w:t></w:r>
  <w:del w:id="1" w:author="Ann Lee" w:date="2026-11-30T10:00:00Z">
    <w:r><w:delText>rejected</w:delText></w:r>
  </w:del>
  <w:ins w:id="2" w:author="Ann Lee" w:date="2026-11-30T10:00:00Z">
    <w:r><w:t>approved</w:t></w:r>
  </w:ins>
  <w:r><w:t xml:space="preserve"> the plan for </w:t></w:r>
  <w:sdt>
    <w:sdtPr><w:alias w:val="Year"/><w:tag w:val="year"/></w:sdtPr>
    <w:sdtContent><w:r><w:t>next year</w:t></w:r></w:sdtContent>
  </w:sdt>
  <w:r><w:t>.</w:t></w:r>
</w:p>"""


def _revised_docx() -> bytes:
    document = docx.Document()
    document.element.body.insert(0, etree.fromstring(_PARAGRAPH))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _translated_paragraph(guard: Guard, translate: object = wrap) -> etree._Element:
    out = DocxFormat().translate(_revised_docx(), translate, guard)  # type: ignore[arg-type]
    paragraph = docx.Document(io.BytesIO(out)).element.body[0]
    assert isinstance(paragraph, etree._Element)
    return paragraph


def _texts(element: etree._Element, name: str = "t") -> str:
    return "".join(t.text or "" for t in element.iter(f"{{{W}}}{name}"))


def test_an_inserted_word_is_translated_inside_its_tracked_insertion(guard: Guard) -> None:
    paragraph = _translated_paragraph(guard)
    (insertion,) = paragraph.iter(f"{{{W}}}ins")
    assert insertion.get(f"{{{W}}}author") == "Ann Lee"
    assert insertion.get(f"{{{W}}}date") == "2026-11-30T10:00:00Z"
    assert _texts(insertion) == "approved"  # «» marks the sentence, around the whole paragraph
    assert _texts(paragraph) == "«The board approved the plan for next year.»"


def test_a_content_control_keeps_its_properties_and_gets_the_translated_text(
    guard: Guard,
) -> None:
    paragraph = _translated_paragraph(guard)
    (control,) = paragraph.iter(f"{{{W}}}sdt")
    assert control.find(f"{{{W}}}sdtPr/{{{W}}}tag").get(f"{{{W}}}val") == "year"  # type: ignore[union-attr]
    assert _texts(control.find(f"{{{W}}}sdtContent")) == "next year"  # type: ignore[arg-type]


def test_a_tracked_deletion_is_kept_as_it_was(guard: Guard) -> None:
    paragraph = _translated_paragraph(guard)
    (deletion,) = paragraph.iter(f"{{{W}}}del")
    assert _texts(deletion, "delText") == "rejected"
    assert deletion.get(f"{{{W}}}author") == "Ann Lee"


def test_the_model_sees_the_inserted_and_controlled_words_in_their_sentence(
    guard: Guard,
) -> None:
    seen: list[str] = []

    def record(batch: list[str]) -> list[str]:  # upper-cases the words, not the tags
        seen.extend(batch)
        return [re.sub(r"(^|>)([^<]*)", lambda m: m[1] + m[2].upper(), text) for text in batch]

    paragraph = _translated_paragraph(guard, record)
    assert seen == [
        'The board <x id="1"/><g id="2">approved</g> the plan for <g id="3">next year</g>.'
    ]
    (insertion,) = paragraph.iter(f"{{{W}}}ins")
    assert _texts(insertion) == "APPROVED"
