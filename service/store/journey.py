"""Aggregates for the journey map: per stage and per touchpoint, count, negative share and
mean sentiment over a time range."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import TextClause, case, func, select, text
from sqlalchemy.orm import Session

from service.store.comments import CommentFilter, apply_filter
from service.store.tables import Comment, Mention


@dataclass(frozen=True)
class Aggregate:
    count: int
    negative_share: float | None
    mean_sentiment: float | None


def _aggregate(count: int, negatives: int, mean: float | None) -> Aggregate:
    return Aggregate(count, negatives / count if count else None, float(mean) if count else None)


def stage_aggregates(session: Session, f: CommentFilter) -> dict[str, Aggregate]:
    negative = func.sum(case((Comment.sentiment == "negative", 1), else_=0))
    query = apply_filter(
        select(Comment.stage, func.count(), negative, func.avg(Comment.sentiment_score)).group_by(
            Comment.stage
        ),
        f,
    )
    return {stage: _aggregate(n, int(neg or 0), mean) for stage, n, neg, mean in session.execute(query)}


def touchpoint_aggregates(session: Session, f: CommentFilter) -> dict[str, Aggregate]:
    """Counted over mentions, with each mention's own sentiment."""
    negative = func.sum(case((Mention.sentiment == "negative", 1), else_=0))
    query = apply_filter(
        select(Mention.touchpoint, func.count(), negative, func.avg(Mention.sentiment_score))
        .join(Comment, Comment.id == Mention.comment_id)
        .group_by(Mention.touchpoint),
        f,
    )
    return {tp: _aggregate(n, int(neg or 0), mean) for tp, n, neg, mean in session.execute(query)}


def touchpoint_praise(session: Session, f: CommentFilter) -> dict[str, tuple[int, int]]:
    """Per touchpoint: its mentions and how many of them are positive (each mention's own sentiment)."""
    positive = func.sum(case((Mention.sentiment == "positive", 1), else_=0))
    query = apply_filter(
        select(Mention.touchpoint, func.count(), positive)
        .join(Comment, Comment.id == Mention.comment_id)
        .group_by(Mention.touchpoint),
        f,
    )
    return {tp: (int(n), int(pos or 0)) for tp, n, pos in session.execute(query)}


# One index seek per distinct value (a "loose index scan" on the column's index) instead of reading
# every comment: a handful of sources or languages among 100,000 comments.
def _distinct(column: str) -> TextClause:
    return text(
        f"""
        WITH RECURSIVE seen(value) AS (
            SELECT min({column}) FROM comments
            UNION ALL
            SELECT (SELECT min(c.{column}) FROM comments c WHERE c.{column} > seen.value)
            FROM seen WHERE seen.value IS NOT NULL
        )
        SELECT value FROM seen WHERE value IS NOT NULL
        """
    )


_SOURCES = _distinct("source")  # the (source, external_id) unique index
_LANGUAGES = _distinct("language")  # ix_comments_language


def sources(session: Session) -> list[str]:
    """Every source stored, in order, for the filters."""
    return list(session.scalars(_SOURCES))


def languages(session: Session) -> list[str]:
    """Every language detected among the stored comments, in order, for the filters."""
    return list(session.scalars(_LANGUAGES))


def commonest_taxonomy(session: Session, since: datetime | None, until: datetime | None) -> str | None:
    """The taxonomy most comments of the period were analysed with (the map a store of airline
    comments should open on, whatever MOT_DEFAULT_TAXONOMY says)."""
    query = apply_filter(
        select(Comment.taxonomy, func.count().label("n")).group_by(Comment.taxonomy),
        CommentFilter(since=since, until=until),
    )
    return session.execute(query.order_by(text("n DESC"), Comment.taxonomy).limit(1)).scalar()


def earliest_time(session: Session, f: CommentFilter) -> datetime | None:
    """When the first comment of these filters (their times left out) was written: a period that
    starts before it is only partly covered."""
    query = apply_filter(select(func.min(Comment.created_at)), replace(f, since=None, until=None))
    return session.scalar(query)


def latest_time(session: Session) -> datetime | None:
    """When the newest comment was written (read from the created_at index alone)."""
    return session.scalar(select(func.max(Comment.created_at)))
