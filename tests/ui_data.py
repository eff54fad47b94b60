"""Comments for the web UI tests: a sample of the airline tweets where ../shared/data is there
(for the screenshots), a small inline set everywhere (the core tests), and the hostile comment."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.helpers import DATA_DIR, daily_complaints

AIRLINE = DATA_DIR / "airline" / "tweets.csv"
XSS_TEXT = '=HYPERLINK("http://x","y") <script>window.__xss=1</script> my bag was lost at the airport'
INLINE_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def airline_sample(count: int = 360, path: Path = AIRLINE) -> list[dict]:
    """Every k-th tweet, so all days and airlines are in; the airline is the source."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    step = max(len(rows) // count, 1)
    return [
        {
            "id": row["tweet_id"],
            "text": row["text"],
            "created_at": datetime.strptime(row["tweet_created"], "%m/%d/%Y %H:%M")
            .replace(tzinfo=UTC)
            .isoformat(),
            "source": row["airline"],
        }
        for row in rows[::step][:count]
    ]


def inline_sample() -> list[dict]:
    """Three complaint groups over eight days (refunds rising at the end) and some praise."""
    items: list[dict] = []
    used: dict[str, int] = {}
    for day in range(8):
        per_group = {"refund": 12 if day == 7 else 3, "login": 3, "delivery": 3}
        for c in daily_complaints(INLINE_START, day, per_group, used, minutes_apart=7):
            items.append(
                {
                    "id": c.id,
                    "text": c.text,
                    "created_at": c.created_at.isoformat(),
                    "source": "web" if c.k % 2 else "app",
                }
            )
        items.append(
            {
                "id": f"praise-{day}",
                "text": "Great service, the delivery was quick. Thank you!",
                "created_at": (INLINE_START + timedelta(days=day, hours=3)).isoformat(),
                "source": "web",
            }
        )
    return items


def hostile(created_at: datetime) -> dict:
    return {"id": "hostile-1", "text": XSS_TEXT, "created_at": created_at.isoformat(), "source": "web"}
