"""Comment files, labelled or not: the one reader behind `mot analyze`, `mot mine`, `mot train`
and the web upload. A CSV (header first; comma, or `;` or tab when the header plainly uses one)
or a JSONL file of objects. Every refusal is one line that names the file, the row and the fix,
and comes before any model is loaded."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
SNIFF_BYTES = 64 * 1024


class RecordsError(ValueError):
    """The file cannot be read as comments; the message says what to fix."""


@dataclass
class Records:
    rows: list[dict[str, object]]
    first_row: int  # the file's number of rows[0] as a spreadsheet or editor shows it
    header: list[str]  # a CSV's columns; for JSONL, every key seen, in order of appearance


def file_format(name: str) -> str:
    """csv or jsonl, from the file name."""
    try:
        return FORMATS[Path(name).suffix.lower()]
    except KeyError:
        raise RecordsError(f"{Path(name).name}: use a .csv or .jsonl file") from None


def read_records(path: Path, max_rows: int | None = None) -> Records:
    """The rows of the file at `path`; refused when it is missing, not UTF-8 or has no rows."""
    if not path.is_file():
        raise RecordsError(f"{path} does not exist: give the path of a CSV or JSONL file")
    file_format(path.name)
    return parse_records(path.read_bytes(), path.name, max_rows)


def parse_records(
    data: bytes, name: str, max_rows: int | None = None, *, kind: str | None = None, setting: str = ""
) -> Records:
    """The rows of a file's bytes (an upload, or a file read by `read_records`); `kind` csv or
    jsonl (default: from the name), `setting` the limit's name for the message."""
    kind = kind or file_format(name)
    if b"\x00" in data[:SNIFF_BYTES]:
        raise RecordsError(f"{name} is not a text file: export the comments as CSV or JSONL")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordsError(
            f"{name} is not UTF-8 text (byte {exc.start}): save it as UTF-8 (CSV UTF-8)"
        ) from None
    if not text.strip():
        raise RecordsError(f"{name} is empty: give a file with a header row and at least one comment")
    limit = (max_rows, setting)
    records = _csv(text, name, limit) if kind == "csv" else _jsonl(text, name, limit)
    if not records.rows:
        raise RecordsError(f"{name} has a header row but no comments: add rows under the header")
    return records


Limit = tuple[int | None, str]  # the most rows, and the setting that says so


def _too_many(name: str, limit: Limit) -> RecordsError:
    setting = f" ({limit[1]})" if limit[1] else ""
    return RecordsError(f"{name} has more than {limit[0]} rows{setting}: split it into smaller files")


def _csv(text: str, name: str, limit: Limit) -> Records:
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=_dialect(text))
    rows: list[dict[str, object]] = []
    try:
        for row in reader:
            if limit[0] is not None and len(rows) >= limit[0]:
                raise _too_many(name, limit)
            rows.append(row)
    except csv.Error as exc:
        raise RecordsError(f"{name} is not valid CSV near row {reader.line_num}: {exc}") from None
    return Records(rows, 2, [c for c in (reader.fieldnames or []) if c])


class _Excel(csv.excel):
    """Standard CSV (quotes doubled inside a quoted field) with the delimiter the header uses."""


def _dialect(text: str) -> type[csv.Dialect]:
    """Comma unless the header plainly uses ; or tab (spreadsheets in some locales). Only the
    delimiter is taken from the sniffer: from a header line alone it also guesses that quotes
    are not doubled, which misreads every `""` in a quoted cell."""
    try:
        delimiter = csv.Sniffer().sniff(text[:SNIFF_BYTES].split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return type("Sniffed", (_Excel,), {"delimiter": delimiter})


def _jsonl(text: str, name: str, limit: Limit) -> Records:
    rows: list[dict[str, object]] = []
    header: dict[str, None] = {}
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordsError(f"{name} line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise RecordsError(f"{name} line {number}: each line must be a JSON object")
        if limit[0] is not None and len(rows) >= limit[0]:
            raise _too_many(name, limit)
        first = first or number
        rows.append(row)
        header.update(dict.fromkeys(row))
    return Records(rows, first or 1, list(header))
