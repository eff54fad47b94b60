"""Times as people write them in files (ISO 8601, or the usual spreadsheet forms), and the one
form the service keeps them in: aware, UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

TIME_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y/%m/%d %H:%M:%S")


def parse_time(value: str, time_format: str | None) -> datetime:
    """ISO 8601 first, then the common spreadsheet forms (or exactly `time_format` if given)."""
    value = value.strip()
    if time_format:
        return datetime.strptime(value, time_format)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for known in TIME_FORMATS:
        try:
            return datetime.strptime(value, known)
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a time in ISO 8601 or {TIME_FORMATS}: pass --time-format")


def as_utc(moment: datetime) -> datetime:
    """One instant, one form: aware, in UTC. A time without an offset is taken as UTC, so that
    naive and aware times never meet in one comparison (Python refuses that)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


# A time in a query or body: any ISO 8601 offset (or none: UTC) comes in as UTC.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
