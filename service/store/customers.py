"""Erase a customer: every comment stored under their keyed hash, and what hangs off those comments."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.store.tables import Comment, Correction, Mention, PainCluster


def erase_customer(session: Session, customer_hash: str) -> int:
    """Delete the customer's comments, their mentions and corrections, and drop them from the
    clusters' representative lists; the caller commits (one transaction). Returns the comments
    deleted. Cluster sizes and keywords keep counting them until the next refresh."""
    ids = set(session.scalars(select(Comment.id).where(Comment.customer_hash == customer_hash)))
    if not ids:
        return 0
    theirs = select(Comment.id).where(Comment.customer_hash == customer_hash).scalar_subquery()
    # Explicit deletes rather than ON DELETE CASCADE alone: SQLite only cascades when the
    # connection enabled foreign keys, and a missed child row would keep the customer's words.
    session.execute(delete(Mention).where(Mention.comment_id.in_(theirs)))
    session.execute(delete(Correction).where(Correction.comment_id.in_(theirs)))
    for cluster in session.scalars(select(PainCluster)):
        if ids.intersection(cluster.representatives):
            cluster.representatives = [i for i in cluster.representatives if i not in ids]
    session.execute(delete(Comment).where(Comment.customer_hash == customer_hash))
    return len(ids)
