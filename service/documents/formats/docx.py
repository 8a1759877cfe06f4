"""Word (.docx): body, tables, headers, footers, footnotes, endnotes, comments and text boxes."""

from __future__ import annotations

import re

from service.documents.formats._ooxml import Dialect, extract_package
from service.documents.formats.base import DocumentFormat, Extraction, Probe
from service.documents.safety import Guard

WORD = Dialect(
    ns="http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    paragraph="p",
    parts=re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml"),
    leading=frozenset({"pPr"}),
    wrappers=frozenset({"hyperlink", "ins", "moveTo", "smartTag", "sdt"}),
)


class DocxFormat(DocumentFormat):
    name = "docx"
    extensions = (".docx",)
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.zip_names is not None and "word/document.xml" in probe.zip_names

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        return extract_package(data, guard, [WORD])
