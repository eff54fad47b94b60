"""Re-embed stored comments whose embedding came from another encoder than the one in service,
so that clustering and search never mix vectors of two encoders."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models.pipeline import Analyzer
from service.jobs.registry import Job
from service.store.comments import stale_count
from service.store.tables import Comment


def reembed_work(
    sessions: sessionmaker[Session], current: Callable[[], Analyzer], batch: int
) -> Callable[[Job, threading.Event], None]:
    def work(job: Job, stopping: threading.Event) -> None:
        job.total = stale_count(sessions, current().encoder.version)
        while not stopping.is_set():
            analyzer = current()  # a later swap is followed: the job then re-embeds for that encoder
            version = analyzer.encoder.version
            with sessions() as session:
                rows = session.execute(
                    select(Comment.id, Comment.text)
                    .where(Comment.embedding_model != version)
                    .order_by(Comment.id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            vectors = analyzer.embed([text for _, text in rows])
            with sessions.begin() as session:
                for (comment_id, _), vector in zip(rows, vectors):
                    session.execute(
                        update(Comment)
                        .where(Comment.id == comment_id)
                        .values(embedding=np.asarray(vector, dtype="<f4").tobytes(), embedding_model=version)
                    )
            job.done += len(rows)
            job.total = max(job.total, job.done)

    return work
