"""Excel (.xlsx): text cells only (shared strings and inline strings, rich text runs kept).

Numbers, formulas (and their cached results), number formats, styles and sheet names live in
other parts or elements and are copied unchanged.
"""

from __future__ import annotations

import re

from service.documents.formats._ooxml import Dialect, extract_package
from service.documents.formats.base import DocumentFormat, Extraction, Probe
from service.documents.safety import Guard

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS = Dialect(
    ns=_MAIN,
    paragraph="si",
    parts=re.compile(r"xl/sharedStrings\.xml"),
    trailing=frozenset({"rPh", "phoneticPr"}),
    bare_text=True,
    top_level_only=True,
)
INLINE_STRINGS = Dialect(
    ns=_MAIN,
    paragraph="is",
    parts=re.compile(r"xl/worksheets/sheet\d+\.xml"),
    trailing=frozenset({"rPh", "phoneticPr"}),
    bare_text=True,
)


class XlsxFormat(DocumentFormat):
    name = "xlsx"
    extensions = (".xlsx",)
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.zip_names is not None and "xl/workbook.xml" in probe.zip_names

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        return extract_package(data, guard, [SHARED_STRINGS, INLINE_STRINGS])
