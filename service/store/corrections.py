"""Analysts' corrections of stored comments: the labels `mot train` learns from."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.tables import Comment, Correction

FIELDS = ("touchpoint", "stage", "sentiment")


def add_correction(session: Session, row: Correction) -> Correction:
    session.add(row)
    session.commit()
    return row


def latest_corrections(session: Session, comment_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Per comment, the latest corrected value of each field anyone corrected."""
    corrected: dict[int, dict[str, str]] = {}
    if comment_ids:
        for row in session.scalars(
            select(Correction).where(Correction.comment_id.in_(comment_ids)).order_by(Correction.id)
        ):
            fields = corrected.setdefault(row.comment_id, {})
            fields.update({f: getattr(row, f) for f in FIELDS if getattr(row, f) is not None})
    return corrected


def corrections_with_comments(session: Session, taxonomy: str | None) -> Iterator[tuple[Correction, Comment]]:
    """Every correction beside its comment, oldest first; of one taxonomy's comments if given."""
    query = (
        select(Correction, Comment).join(Comment, Comment.id == Correction.comment_id).order_by(Correction.id)
    )
    if taxonomy:
        query = query.where(Comment.taxonomy == taxonomy)
    yield from session.execute(query)  # rows unpack as (correction, comment)
