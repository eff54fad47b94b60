"""CSV downloads: streamed, every cell defused (service/common/spreadsheet.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import StreamingResponse

from service.common.spreadsheet import csv_lines


def csv_response(filename: str, columns: list[str], rows: Iterable[Mapping[str, Any]]) -> StreamingResponse:
    return StreamingResponse(
        csv_lines(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
