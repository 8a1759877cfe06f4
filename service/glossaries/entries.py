"""Glossary entries from TSV or CSV, validated as DeepL validates them, with messages that say
which entry is wrong and why (never echoing more than that entry's number).

DeepL's rules: one entry per line, source term first; blank lines are skipped; a term is not
empty, has no C0/C1 control character (tab included) and no Unicode line separator, and is at most
1024 UTF-8 bytes; a source term appears once. Ours on top: source terms are matched
case-insensitively, so two that differ only in case are duplicates; a private-use character (the
service's own placeholder mark) is refused.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from typing import Literal

from service.glossaries.errors import GlossaryTooLargeError, InvalidGlossaryError

MAX_TERM_BYTES = 1024
"""DeepL's limit for a term and for a glossary's name."""

EntriesFormat = Literal["tsv", "csv"]
Entries = dict[str, str]


def parse_entries(text: str, entries_format: str, max_entries: int, max_bytes: int) -> Entries:
    """Source term -> target term, in the order given; InvalidGlossaryError or
    GlossaryTooLargeError naming the first entry that breaks a rule."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise GlossaryTooLargeError(f"the entries are {size} bytes; the limit is {max_bytes}")
    if entries_format == "tsv":
        rows = _tsv_rows(text)
    elif entries_format == "csv":
        rows = _csv_rows(text)
    else:
        raise InvalidGlossaryError("entries_format must be tsv or csv")
    entries = _collect(rows, max_entries)
    if not entries:
        raise InvalidGlossaryError("the glossary has no entries")
    return entries


def validate_entries(entries: dict[str, str], max_entries: int) -> Entries:
    """The same rules for entries given as a mapping (an inline glossary)."""
    rows = ((number, [s, t]) for number, (s, t) in enumerate(entries.items(), start=1))
    return _collect(rows, max_entries)


def entries_tsv(entries: Entries) -> str:
    """DeepL's answer to ``GET /v2/glossaries/{id}/entries``: one ``source\\ttarget`` per line."""
    return "\n".join(f"{source}\t{target}" for source, target in entries.items())


def check_name(name: str) -> str:
    if not name.strip():
        raise InvalidGlossaryError("the glossary needs a name")
    _check_term(name, "the name")
    return name


def _tsv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    # Lines end at \n only: a U+2028 inside a term is refused, not taken for a line end.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            yield number, line.split("\t")


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if any(field.strip() for field in row):
                yield reader.line_num, row
    except csv.Error as error:
        raise InvalidGlossaryError(f"entry {reader.line_num}: not valid CSV ({error})") from None


def _collect(rows: Iterator[tuple[int, list[str]]], max_entries: int) -> Entries:
    entries: Entries = {}
    folded: dict[str, int] = {}
    for number, fields in rows:
        if len(fields) not in (2, 4):  # CSV may add source_lang,target_lang; DeepL ignores them
            raise InvalidGlossaryError(
                f"entry {number}: expected a source and a target term, found {len(fields)} fields"
            )
        source, target = (field.strip() for field in fields[:2])
        _check_term(source, f"entry {number}: the source term")
        _check_term(target, f"entry {number}: the target term")
        key = source.casefold()
        if key in folded:
            raise InvalidGlossaryError(
                f"entry {number} duplicates the source term of entry {folded[key]} "
                "(terms are matched case-insensitively)"
            )
        folded[key] = number
        entries[source] = target
        if len(entries) > max_entries:
            raise GlossaryTooLargeError(f"more than {max_entries} entries; that is the limit")
    return entries


def _check_term(term: str, what: str) -> None:
    if not term:
        raise InvalidGlossaryError(f"{what} is empty")
    size = len(term.encode("utf-8"))
    if size > MAX_TERM_BYTES:
        raise InvalidGlossaryError(f"{what} is {size} bytes; the limit is {MAX_TERM_BYTES}")
    for char in term:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise InvalidGlossaryError(
                f"{what} contains a control character or line separator (U+{ord(char):04X})"
            )
        if unicodedata.category(char) == "Co":
            raise InvalidGlossaryError(f"{what} contains a private-use character")
