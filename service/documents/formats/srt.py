"""SubRip (.srt): cue text translated; numbering and timings kept byte for byte.

Cue numbers are optional, as players treat them: some tools write cues that start with the
timing line, and those come back the same way.
"""

from __future__ import annotations

import re

from service.documents.errors import CorruptDocumentError
from service.documents.formats._cues import extract_cues
from service.documents.formats.base import DocumentFormat, Extraction, Probe, require_lines
from service.documents.safety import Guard

_SRT_RE = re.compile(r"\A\s*(?:\d+[ \t]*\r?\n\s*)?\d{1,3}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")


class SrtFormat(DocumentFormat):
    name = "srt"
    extensions = (".srt",)
    media_type = "application/x-subrip; charset=utf-8"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.text is not None and bool(_SRT_RE.match(probe.text.text))

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        extraction, cues = extract_cues(require_lines(data, guard))
        if cues == 0:
            raise CorruptDocumentError("The subtitle file has no cues.")
        return extraction
