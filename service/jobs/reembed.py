"""Re-embed stored comments whose embedding came from another encoder than the one in service,
so that clustering and search never mix vectors of two encoders."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from models.pipeline import Analyzer
from service.jobs.registry import Job
from service.store.comments import set_embedding, stale_count, stale_embeddings


def reembed_work(
    sessions: sessionmaker[Session], current: Callable[[], Analyzer], batch: int
) -> Callable[[Job, threading.Event], None]:
    def work(job: Job, stopping: threading.Event) -> None:
        job.total = stale_count(sessions, current().encoder.version)
        while not stopping.is_set():
            analyzer = current()  # a later swap is followed: the job then re-embeds for that encoder
            version = analyzer.encoder.version
            with sessions() as session:
                rows = stale_embeddings(session, version, batch)
            if not rows:
                return
            vectors = analyzer.embed([text for _, text in rows])
            with sessions.begin() as session:
                for (comment_id, _), vector in zip(rows, vectors):
                    set_embedding(session, comment_id, vector, version)
            job.done += len(rows)
            job.total = max(job.total, job.done)

    return work
