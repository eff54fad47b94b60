"""CSV files for people: every export of the service goes through here, so every cell that a
spreadsheet would run as a formula is defused the same way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # training/labelled.py undoes the guard


def safe_cell(value: object) -> object:
    """Spreadsheets run cells that start with = + - @ (or a tab or CR) as formulas: quote them.
    Comments are written by customers, so any text cell may be an attack."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(columns: list[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The header, then one CSV line per row, each cell defused; streamed, so a long export
    never sits in memory whole."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield flush()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
        yield flush()
