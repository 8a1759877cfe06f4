"""Gettext catalogues (.po, polib): empty msgstrs get the translation of their msgid.

Existing translations are kept (setting ``existing_translations``: ``keep``, the default;
``overwrite`` replaces them too); every msgstr written here is marked ``fuzzy`` for review. The
header, comments, flags, contexts and obsolete entries stay.
Plural entries fill every ``msgstr[n]`` (n from the ``Plural-Forms`` header): index 0 from
``msgid``, the others from ``msgid_plural``. printf/Python/ICU-style placeholders are atoms, so
``%(count)d`` or ``{name}`` survive translation.
"""

from __future__ import annotations

import os
import re

import polib

from service.documents.errors import CorruptDocumentError
from service.documents.formats.base import DocumentFormat, Extraction, Probe, require_text
from service.documents.safety import Guard
from service.documents.segments import Piece, Tag, Unit

_PO_RE = re.compile(r'^msgid\s+"', re.MULTILINE)
_PLACEHOLDER_RE = re.compile(
    r"%(?:\([A-Za-z_][\w.]*\))?[-+ #0]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]"
    r"|\{[A-Za-z_0-9][^{}\s]{0,40}\}"
    r"|\$\{[A-Za-z_][\w.]*\}|%\d+\$[sd]|</?[A-Za-z][^<>]{0,80}>"
)
_NPLURALS_RE = re.compile(r"nplurals\s*=\s*(\d+)")


def placeholder_pieces(text: str) -> list[Piece]:
    pieces: list[Piece] = []
    pos = 0
    for m in _PLACEHOLDER_RE.finditer(text):
        pieces.extend([text[pos : m.start()], Tag("atom", m.group(0))])
        pos = m.end()
    pieces.append(text[pos:])
    return pieces


class PoFormat(DocumentFormat):
    name = "po"
    extensions = (".po", ".pot")
    media_type = "text/x-gettext-translation; charset=utf-8"

    @classmethod
    def matches(cls, probe: Probe) -> bool:
        return probe.text is not None and bool(_PO_RE.search(probe.text.text[:65536]))

    def extract(self, data: bytes, guard: Guard) -> Extraction:
        decoded = require_text(data)
        content = decoded.text
        # polib treats a string naming an existing file as a path; content always has a newline.
        if "\n" not in content or os.path.isfile(content):
            raise CorruptDocumentError("The catalogue could not be read.")
        try:
            catalogue = polib.pofile(content, encoding="utf-8", wrapwidth=78)
        except (OSError, ValueError, UnicodeError):
            raise CorruptDocumentError("The catalogue could not be read.") from None
        match = _NPLURALS_RE.search(catalogue.metadata.get("Plural-Forms", ""))
        nplurals = int(match.group(1)) if match else 2
        keep = guard.settings.existing_translations == "keep"
        slots: list[tuple[polib.POEntry, int | None, Unit]] = []
        for entry in catalogue:
            if entry.obsolete or not entry.msgid:
                continue
            if entry.msgid_plural:
                if keep and any(entry.msgstr_plural.get(i) for i in range(nplurals)):
                    continue
                slots.append((entry, 0, Unit(placeholder_pieces(entry.msgid))))
                plural_unit = Unit(placeholder_pieces(entry.msgid_plural))
                slots.extend((entry, i, plural_unit) for i in range(1, nplurals))
            elif not (keep and entry.msgstr):
                slots.append((entry, None, Unit(placeholder_pieces(entry.msgid))))
            guard.check_time()
        units = list({id(u): u for _, _, u in slots}.values())

        def rebuild() -> bytes:
            for entry, index, unit in slots:
                if unit.result is None:
                    continue
                if index is None:
                    entry.msgstr = unit.output_text()
                else:
                    entry.msgstr_plural[index] = unit.output_text()
                if "fuzzy" not in entry.flags:
                    entry.flags.append("fuzzy")
            return decoded.encode(str(catalogue))

        return Extraction(units, rebuild, decoded.charset)
