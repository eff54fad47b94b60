"""The active clusters' centres, held in memory: a comment that arrives between two refreshes
joins the cluster it is close to, without a query."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from models.cluster import OUTLIER, assign
from service.store.clusters import active_in_scope


@dataclass(frozen=True)
class ClusterIndex:
    """The active clusters' centres, for assigning new comments at ingest."""

    ids: list[int]
    centres: np.ndarray
    radii: np.ndarray
    scope: str
    embedding_model: str

    def assign(self, embeddings: np.ndarray, sentiments: list[str], embedding_model: str) -> list[int | None]:
        if not self.ids or embedding_model != self.embedding_model:
            return [None] * len(embeddings)
        found = assign(np.asarray(embeddings, dtype=np.float32), self.centres, self.radii)
        return [
            self.ids[c] if c != OUTLIER and (self.scope == "all" or sentiment == "negative") else None
            for c, sentiment in zip(found.tolist(), sentiments)
        ]


def load_index(sessions: sessionmaker[Session], scope: str) -> ClusterIndex:
    with sessions() as session:
        rows = active_in_scope(session, scope)
    if not rows:
        return ClusterIndex([], np.zeros((0, 0), np.float32), np.zeros(0, np.float32), scope, "")
    return ClusterIndex(
        ids=[r.id for r in rows],
        centres=np.stack([np.frombuffer(r.centre, dtype="<f4") for r in rows]),
        radii=np.array([r.radius for r in rows], dtype=np.float32),
        scope=scope,
        embedding_model=rows[0].embedding_model,
    )
