"""A CSV file uploaded for analysis: read and checked while the analyst waits (a wrong column or
a file that is not CSV is answered at once, saying what to fix), then analysed and stored in the
background through the same path as POST /v1/comments, with progress and counts on the job."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.records import RecordsError, parse_records
from models.taxonomy import Taxonomy
from service.common.times import TIME_FORMATS, parse_time
from service.domain.ingest import Ingesting, ingest_items
from service.jobs.registry import Job

MAX_ERRORS_SHOWN = 20


class UploadError(ValueError):
    """The file cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Columns:
    text: str
    id: str | None = None
    time: str | None = None
    source: str | None = None


@dataclass
class ParsedUpload:
    items: list[dict[str, Any]]  # CommentIn-shaped
    rows: list[int]  # each item's row number in the file (the header is row 1)
    errors: list[dict[str, Any]] = field(default_factory=list)  # rows refused before analysis
    total_rows: int = 0


def parse_upload(
    data: bytes, filename: str, columns: Columns, default_source: str, max_rows: int
) -> ParsedUpload:
    """Rows of the file as comments to store. Only the named columns are kept: the other columns
    of a customer export may hold personal data that redaction never sees."""
    try:
        records = parse_records(data, filename, max_rows, kind="csv", setting="MOT_UPLOAD_MAX_ROWS")
    except RecordsError as exc:
        raise UploadError(str(exc)) from None
    for role, name in (
        ("text", columns.text),
        ("id", columns.id),
        ("time", columns.time),
        ("source", columns.source),
    ):
        if name is not None and name not in records.header:
            raise UploadError(
                f"{filename} has no column {name!r} (its columns: {records.header}): "
                f"type the name of the column that holds the {role}, as in the header row"
            )
    digest = hashlib.sha256(data).hexdigest()[:12]  # re-uploading the same file stores nothing twice
    parsed = ParsedUpload(items=[], rows=[], total_rows=len(records.rows))
    for number, row in enumerate(records.rows, start=records.first_row):
        item = _item(row, number, columns, default_source, digest, parsed)
        if item is not None:
            parsed.items.append(item)
            parsed.rows.append(number)
    return parsed


def _item(
    row: dict[str, Any], number: int, columns: Columns, default_source: str, digest: str, parsed: ParsedUpload
) -> dict[str, Any] | None:
    item: dict[str, Any] = {"text": row.get(columns.text) or ""}
    item["id"] = (row.get(columns.id) or "").strip() if columns.id else ""
    item["id"] = item["id"] or f"{digest}-{number}"
    item["source"] = ((row.get(columns.source) or "").strip() if columns.source else "") or default_source
    if columns.time and (row.get(columns.time) or "").strip():
        try:
            item["created_at"] = parse_time(row[columns.time], None).isoformat()
        except ValueError:
            parsed.errors.append(
                {
                    "row": number,
                    "message": f"time {row[columns.time]!r} is not ISO 8601 or one of {list(TIME_FORMATS)}: "
                    "fix the cell, or leave it empty to use the upload time",
                }
            )
            return None
    return item


def upload_work(
    state: Ingesting, parsed: ParsedUpload, taxonomy: Taxonomy, filename: str
) -> Callable[[Job, threading.Event], None]:
    batch = state.settings.encode_batch_size

    def work(job: Job, stopping: threading.Event) -> None:
        job.total = len(parsed.items)
        errors = list(parsed.errors)
        result: dict[str, Any] = {
            "filename": filename,
            "taxonomy": taxonomy.name,
            "rows": parsed.total_rows,
            "created": 0,
            "duplicates": 0,
            "invalid": len(parsed.errors),
            "sources": sorted({item["source"] for item in parsed.items}),
            "errors": errors[:MAX_ERRORS_SHOWN],
        }
        job.result = result
        for start in range(0, len(parsed.items), batch):
            if stopping.is_set():
                return
            response = ingest_items(state, parsed.items[start : start + batch], taxonomy, queued=False)
            result["created"] += response.created
            result["duplicates"] += response.duplicates
            result["invalid"] += response.invalid
            errors += [
                {"row": parsed.rows[start + s.index], "message": s.message}
                for s in response.items
                if s.status == "invalid"
            ]
            result["errors"] = sorted(errors, key=lambda e: e["row"])[:MAX_ERRORS_SHOWN]
            job.done += len(response.items)

    return work
