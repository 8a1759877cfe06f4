"""Peak memory of reading worst-case documents, each in a forked child (docs/documents.md).

Usage::

    python -m benchmarks.document_memory

Reads, with the bounds raised where a case is past them (what the bounds now refuse): empty
docx paragraphs with a bookmark each (the most XML elements a byte carries), a `styles.xml` the
check inflates but nobody parses, one-letter Markdown list items and paragraphs, and plain text,
and prints each case's peak RSS growth and seconds; then six concurrent Word uploads submitted
as jobs to a one-worker service (what queued jobs hold).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from service.documents.formats import detect
from tests.service.documents.test_jobs import submitted_together
from tests.service.documents.test_safety import (
    bookmarked_paragraphs,
    docx_with,
    guard_with,
    in_child,
)

_STYLES = b"".join(b'<w:style w:styleId="s%d"/>' % i for i in range(400_000))
CASES: dict[str, tuple[str, Callable[[], bytes], dict[str, int]]] = {
    "docx, 230,000 bookmarked paragraphs (~460,000 elements)": (
        "a.docx",
        lambda: docx_with(bookmarked_paragraphs(230_000)),
        {},
    ),
    "docx, 400,000 elements in styles.xml": ("a.docx", lambda: docx_with(b"", _STYLES), {}),
    "Markdown, 524,288 one-letter list items, bound raised": (
        "a.md",
        lambda: b"- a\n" * 524_288,
        {"text_max_lines": 10**7},
    ),
    "Markdown, 99,999 one-letter list items": ("a.md", lambda: b"- a\n" * 99_999, {}),
    "Markdown, 49,999 one-letter paragraphs": ("a.md", lambda: b"a\n\n" * 49_999, {}),
    "text, 99,999 one-letter lines": ("a.txt", lambda: b"a\n" * 99_999, {}),
}


def read(name: str, data: bytes, limits: dict[str, int]) -> Callable[[], object]:
    return lambda: detect(data, name).prepare(data, guard_with(**limits))


def main() -> None:
    for label, (name, build, limits) in CASES.items():
        data = build()
        outcome = in_child(read(name, data, limits))
        sys.stdout.write(
            f"{label}: {len(data) / 2**20:.1f} MiB upload, {outcome.error or 'read'}, "
            f"{outcome.rss_growth / 2**20:.0f} MiB peak growth, {outcome.seconds:.1f} s\n"
        )
    data = docx_with(bookmarked_paragraphs(40_000))
    outcome = in_child(submitted_together(data, "a.docx", 6))
    sys.stdout.write(
        f"six concurrent jobs, docx of 40,000 bookmarked paragraphs ({len(data) / 2**20:.1f} MiB "
        f"each): {outcome.rss_growth / 2**20:.0f} MiB peak growth, {outcome.seconds:.1f} s\n"
    )


if __name__ == "__main__":
    main()
