"""docs/cost.md's price table is the built-in price list, row for row."""

from __future__ import annotations

from service.cost.prices import BUILT_IN, PriceEntry
from tests.service.server import REPO

DOC = REPO / "docs" / "cost.md"
HEADER = "| teacher | price (USD) | source | read |"


def price_text(entry: PriceEntry) -> str:
    if entry.usd_per_million_characters is not None:
        return f"${entry.usd_per_million_characters:.2f} per million characters"
    return (
        f"${entry.usd_per_million_input_tokens:.2f} / ${entry.usd_per_million_output_tokens:.2f}"
        " per million input / output tokens"
    )


def code_rows() -> set[str]:
    return {
        f"| `{name}` | {price_text(entry)} | {entry.source} | {entry.date} |"
        for name, entry in BUILT_IN.items()
    }


def doc_rows() -> set[str]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # after the header and its |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return set(rows)


def test_the_docs_price_table_lists_every_built_in_price_with_its_source_and_date() -> None:
    assert doc_rows() == code_rows()
