"""Retention: the text of comments older than MOT_RETENTION_DAYS is blanked on a schedule.

Only the words go: predictions, touchpoint mentions (without their evidence), embeddings and
dates stay, so the journey map, trends and clusters still count the comment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from service.jobs.registry import Job
from service.store.comments import blank_text_before


def blank_expired(session: Session, days: int, now: datetime | None = None) -> int:
    """Blank the text of comments created more than `days` days before `now` (and their mentions'
    evidence); the caller commits. Returns how many comments were blanked (already blank ones
    are not counted again). `days` 0 does nothing: it means keep forever."""
    if days <= 0:
        return 0
    return blank_text_before(session, (now or datetime.now(UTC)) - timedelta(days=days))


def retention_work(sessions: sessionmaker[Session], days: int) -> Callable[[Job, threading.Event], None]:
    def work(job: Job, stopping: threading.Event) -> None:
        with sessions.begin() as session:
            blanked = blank_expired(session, days)
        job.total = job.done = 1
        job.result = {"blanked": blanked}

    return work
