"""Gettext catalogues (.po, polib): empty msgstrs get the translation of their msgid.

Existing translations are kept (setting ``existing_translations``: ``keep``, the default;
``overwrite`` replaces them too); every msgstr written here is marked ``fuzzy`` for review.
polib only reads the catalogue: the file is written back by replacing the changed entries'
``msgstr`` lines (and adding ``fuzzy`` to their flags) in the original text, so the header,
comments, wrapping, contexts and obsolete entries keep their bytes.

Plural entries fill every ``msgstr[n]`` (n from the ``Plural-Forms`` header): index 0 from
``msgid``, the others from ``msgid_plural``. printf/Python/ICU-style placeholders and markup tags
are atoms, so ``%(count)d``, ``{name}`` or ``<b>`` survive translation; a msgid that is nothing but
tag-like words (``<no view>``) is text.
"""

from __future__ import annotations

import os
import re

import polib

from service.documents.errors import CorruptDocumentError
from service.documents.formats.base import DocumentFormat, Extraction, Probe, require_lines
from service.documents.safety import Guard
from service.documents.segments import Piece, Tag, Unit, has_letters

_PO_RE = re.compile(r'^msgid\s+"', re.MULTILINE)
_PLACEHOLDER_RE = re.compile(
    r"%(?:\([A-Za-z_][\w.]*\))?[-+ #0]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]"
    r"|\{[A-Za-z_0-9][^{}\s]{0,40}\}"
    r"|\$\{[A-Za-z_][\w.]*\}|%\d+\$[sd]"
)
_MARKUP_RE = re.compile(r"</?[A-Za-z][^<>]{0,80}>")
_ANY_RE = re.compile(f"{_PLACEHOLDER_RE.pattern}|{_MARKUP_RE.pattern}")
_NPLURALS_RE = re.compile(r"nplurals\s*=\s*(\d+)")
_MSGSTR_RE = re.compile(r"\s*msgstr(?:\[\d+\])?\s")
_BEFORE_FLAGS_RE = re.compile(r"\s*(?:#\||#~|msgctxt|msgid)")

Slot = tuple[polib.POEntry, int | None, Unit]


def placeholder_pieces(text: str) -> list[Piece]:
    """Placeholders and markup as atoms; markup stays text when nothing else is (``<no view>``)."""
    pattern = _ANY_RE if has_letters(_ANY_RE.sub("", text)) else _PLACEHOLDER_RE
    pieces: list[Piece] = []
    pos = 0
    for m in pattern.finditer(text):
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
        decoded = require_lines(data, guard)
        content = decoded.text
        # polib treats a string naming an existing file as a path; content always has a newline.
        if "\n" not in content or os.path.isfile(content):
            raise CorruptDocumentError("The catalogue could not be read.")
        try:
            catalogue = polib.pofile(content, encoding="utf-8")
        except (OSError, ValueError, UnicodeError):
            raise CorruptDocumentError("The catalogue could not be read.") from None
        slots = _slots(catalogue, guard)
        units = list({id(u): u for _, _, u in slots}.values())

        def rebuild() -> bytes:
            return decoded.encode(_write_back(content, catalogue, slots))

        return Extraction(units, rebuild, decoded.charset)


def _slots(catalogue: polib.POFile, guard: Guard) -> list[Slot]:
    """Every msgstr to fill: (entry, plural index or None, the unit translated into it)."""
    match = _NPLURALS_RE.search(catalogue.metadata.get("Plural-Forms", ""))
    nplurals = int(match.group(1)) if match else 2
    keep = guard.settings.existing_translations == "keep"
    slots: list[Slot] = []
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
    return slots


def _write_back(content: str, catalogue: polib.POFile, slots: list[Slot]) -> str:
    """The original text with the translated entries' msgstr lines and flags replaced."""
    lines = content.splitlines(keepends=True)  # as polib counts them
    starts = sorted(e.linenum - 1 for e in catalogue)
    changed: dict[int, tuple[polib.POEntry, dict[int | None, str]]] = {}
    for entry, index, unit in slots:
        if unit.result is not None:
            changed.setdefault(id(entry), (entry, {}))[1][index] = unit.output_text()
    # From the last entry up, so the line numbers of those before stay valid.
    for entry, values in sorted(changed.values(), key=lambda item: -int(item[0].linenum)):
        start = entry.linenum - 1
        end = next((s for s in starts if s > start), len(lines))
        lines[start:end] = _entry_lines(lines[start:end], entry, values)
    return "".join(lines)


def _entry_lines(
    lines: list[str], entry: polib.POEntry, values: dict[int | None, str]
) -> list[str]:
    """One entry's lines with new msgstr values and the ``fuzzy`` flag."""
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    first = next(i for i, line in enumerate(lines) if _MSGSTR_RE.match(line))
    last = first
    while last + 1 < len(lines) and lines[last + 1].lstrip().startswith(('"', "msgstr")):
        last += 1
    strings = entry.msgstr_plural if entry.msgid_plural else {None: entry.msgstr}
    merged: dict[int | None, str] = {**strings, **values}
    fields: list[str] = []
    for index in sorted(merged, key=lambda i: -1 if i is None else i):
        keyword = "msgstr" if index is None else f"msgstr[{index}]"
        fields.extend(line + newline for line in _field(keyword, merged[index]))
    if last + 1 == len(lines) and not lines[last].endswith("\n"):
        fields[-1] = fields[-1].rstrip("\r\n")
    out = lines[:first] + fields + lines[last + 1 :]
    return _with_fuzzy(out, newline) if "fuzzy" not in entry.flags else out


def _field(keyword: str, value: str) -> list[str]:
    """A msgstr as gettext writes one: a line per ``\\n`` when it has several."""
    parts = value.splitlines(keepends=True) if "\n" in value.rstrip("\n") else [value]
    if len(parts) == 1:
        return [f'{keyword} "{polib.escape(value)}"']
    return [f'{keyword} ""', *(f'"{polib.escape(p)}"' for p in parts)]


def _with_fuzzy(lines: list[str], newline: str) -> list[str]:
    """Add ``fuzzy`` to the entry's ``#,`` line, or a ``#, fuzzy`` line where flags belong."""
    for i, line in enumerate(lines):
        if line.startswith("#,"):
            return [*lines[:i], "#, fuzzy," + line[2:], *lines[i + 1 :]]
    at = next(i for i, line in enumerate(lines) if _BEFORE_FLAGS_RE.match(line))
    return [*lines[:at], "#, fuzzy" + newline, *lines[at:]]
