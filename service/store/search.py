"""Word search over stored comments and "more like this" by stored embedding.

Search is a case-insensitive match of every word (or "quoted phrase") of the query, the same on
SQLite and PostgreSQL. A full-text index was weighed and left out: SQLite's FTS5 needs triggers on
`comments`, which Alembic's batch mode drops whenever it rebuilds the table for an ALTER, and a
match scan over 100,000 comments takes tens of milliseconds.

Nearest neighbours are computed with numpy on both databases (the PostgreSQL here has no
pgvector), streaming the most recent embeddings in chunks so memory stays flat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, selectinload

from service.store.tables import Comment

MAX_TERMS = 10
CHUNK = 5000
_TERM = re.compile(r'"([^"]+)"|(\S+)')


def search_terms(query: str) -> list[str]:
    """Words and "quoted phrases", lower-cased, at most MAX_TERMS of them."""
    terms = [(phrase or word).strip().lower() for phrase, word in _TERM.findall(query)]
    return [t for t in terms if t][:MAX_TERMS]


def text_matches(query: str) -> ColumnElement[bool] | None:
    """A condition true for comments containing every term; None for an empty query."""
    terms = search_terms(query)
    if not terms:
        return None
    return and_(*(Comment.text.ilike(f"%{_escape_like(t)}%", escape="\\") for t in terms))


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Neighbour:
    comment: Comment
    similarity: float


def similar_comments(session: Session, comment_id: int, limit: int, scan_max: int) -> list[Neighbour] | None:
    """The `limit` comments whose embeddings are closest (cosine) to this comment's, among the
    `scan_max` most recent ones embedded by the same encoder; None if there is no such comment."""
    target = session.get(Comment, comment_id)
    if target is None:
        return None
    vector = _unit(np.frombuffer(target.embedding, dtype="<f4")[None, :])[0]
    query = (
        select(Comment.id, Comment.embedding)
        .where(Comment.embedding_model == target.embedding_model, Comment.id != comment_id)
        .order_by(Comment.id.desc())
        .limit(scan_max)
        .execution_options(yield_per=CHUNK)
    )
    best_ids = np.zeros(0, dtype=np.int64)
    best_scores = np.zeros(0, dtype=np.float32)
    for chunk in session.execute(query).partitions():
        ids = np.fromiter((row[0] for row in chunk), dtype=np.int64, count=len(chunk))
        matrix = np.frombuffer(b"".join(row[1] for row in chunk), dtype="<f4").reshape(len(chunk), -1)
        scores = _unit(matrix) @ vector
        best_ids = np.concatenate([best_ids, ids])
        best_scores = np.concatenate([best_scores, scores])
        if len(best_ids) > limit:
            keep = np.argpartition(-best_scores, limit)[:limit]
            best_ids, best_scores = best_ids[keep], best_scores[keep]
    order = np.argsort(-best_scores, kind="stable")
    chosen = [int(i) for i in best_ids[order]]
    rows = {
        c.id: c
        for c in session.scalars(
            select(Comment).where(Comment.id.in_(chosen)).options(selectinload(Comment.mentions))
        )
    }
    return [Neighbour(rows[i], round(float(s), 4)) for i, s in zip(chosen, best_scores[order]) if i in rows]


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)
