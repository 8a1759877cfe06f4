"""PowerPoint (.pptx): text frames and tables of every slide, and the speaker notes."""

from __future__ import annotations

import re

from service.documents.formats._ooxml import Dialect, extract_package
from service.documents.formats.base import DocumentFormat, Extraction, Probe
from service.documents.safety import Guard

DRAWING = Dialect(
    ns="http://schemas.openxmlformats.org/drawingml/2006/main",
    paragraph="p",
    parts=re.compile(r"ppt/(slides/slide|notesSlides/notesSlide)\d+\.xml"),
    leading=frozenset({"pPr"}),
    trailing=frozenset({"endParaRPr"}),
)


class PptxFormat(DocumentFormat):
    name = "pptx"
    extensions = (".pptx",)
    media_type = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.zip_names is not None and "ppt/presentation.xml" in probe.zip_names

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        return extract_package(data, guard, [DRAWING])
