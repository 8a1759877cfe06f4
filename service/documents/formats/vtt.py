"""WebVTT (.vtt): cue text translated; header, identifiers, timings, cue settings, NOTE,
STYLE and REGION blocks kept byte for byte."""

from __future__ import annotations

from service.documents.formats._cues import extract_cues
from service.documents.formats.base import DocumentFormat, Extraction, Probe, require_lines
from service.documents.safety import Guard


class VttFormat(DocumentFormat):
    name = "vtt"
    extensions = (".vtt",)
    media_type = "text/vtt; charset=utf-8"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.text is not None and probe.text.text.startswith("WEBVTT")

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        extraction, _ = extract_cues(require_lines(data, guard))
        return extraction
