"""Owners, actions and notes in the database, and the per-day series an action's effect is
measured on: the subject's mentions, negatives and ratings, and every comment's volume."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from service.common.times import as_utc
from service.store.tables import Action, ClusterNote, Comment, Mention, Owner


def owner_of(session: Session, kind: str, taxonomy: str, subject: str) -> Owner | None:
    return session.get(Owner, (kind, taxonomy, subject))


def set_owner(
    session: Session, kind: str, taxonomy: str, subject: str, team: str, contact: str, by: str, now: datetime
) -> Owner:
    owner = owner_of(session, kind, taxonomy, subject) or Owner(kind=kind, taxonomy=taxonomy, subject=subject)
    owner.team, owner.contact, owner.updated_by, owner.updated_at = team, contact, by, now
    session.add(owner)
    session.flush()  # the id, within the caller's transaction
    return owner


def owners(session: Session, kind: str | None = None, taxonomy: str | None = None) -> Sequence[Owner]:
    query = select(Owner)
    if kind:
        query = query.where(Owner.kind == kind)
    if taxonomy is not None:
        query = query.where(Owner.taxonomy == taxonomy)
    return session.scalars(query.order_by(Owner.kind, Owner.taxonomy, Owner.subject)).all()


def add_action(session: Session, action: Action) -> Action:
    session.add(action)
    session.flush()  # the id, within the caller's transaction
    return action


def actions(
    session: Session, kind: str | None = None, taxonomy: str | None = None, subject: str | None = None
) -> Sequence[Action]:
    """Newest first by when they started."""
    query = select(Action)
    for column, value in ((Action.kind, kind), (Action.taxonomy, taxonomy), (Action.subject, subject)):
        if value is not None:
            query = query.where(column == value)
    return session.scalars(query.order_by(Action.started_at.desc(), Action.id.desc())).all()


def get_action(session: Session, action_id: int) -> Action | None:
    return session.get(Action, action_id)


def add_note(session: Session, note: ClusterNote) -> ClusterNote:
    session.add(note)
    session.flush()  # the id, within the caller's transaction
    return note


def notes_of(session: Session, cluster_id: int) -> Sequence[ClusterNote]:
    """Newest first: the cluster's history as analysts wrote it."""
    query = select(ClusterNote).where(ClusterNote.cluster_id == cluster_id)
    return session.scalars(query.order_by(ClusterNote.created_at.desc(), ClusterNote.id.desc())).all()


@dataclass(frozen=True)
class DayCounts:
    mentions: int
    negatives: int
    rating_sum: float
    rating_count: int


def _day(session: Session) -> ColumnElement[date]:
    """The UTC calendar day of a comment, in SQL: PostgreSQL's date() follows the session's time
    zone, SQLite keeps UTC text."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Comment.created_at))
    return func.date(Comment.created_at)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def daily_volume(session: Session, since: datetime, until: datetime) -> dict[date, int]:
    """Every stored comment per day: the control for a subject's own volume."""
    day = _day(session)
    query = (
        select(day, func.count()).where(Comment.created_at >= since, Comment.created_at < until).group_by(day)
    )
    return {_as_date(d): int(n) for d, n in session.execute(query)}


def daily_subject(
    session: Session,
    since: datetime,
    until: datetime,
    rating_field: str,
    *,
    taxonomy: str | None = None,
    touchpoint: str | None = None,
    clusters: Sequence[int] | None = None,
) -> dict[date, DayCounts]:
    """A touchpoint's mentions (each with its own sentiment) or a cluster's comments, per day,
    with the ratings they carry in metadata[rating_field] (a rating that is not a number is
    left out)."""
    if touchpoint is not None:
        negative = Mention.sentiment == "negative"
        query = (
            select(Comment.created_at, negative, Comment.extra)
            .join(Mention, Mention.comment_id == Comment.id)
            .where(Mention.touchpoint == touchpoint, Comment.taxonomy == taxonomy)
        )
    else:
        negative = Comment.sentiment == "negative"
        query = select(Comment.created_at, negative, Comment.extra).where(
            Comment.cluster_id.in_(clusters or [])
        )
    query = query.where(Comment.created_at >= since, Comment.created_at < until)
    counts: dict[date, list[float]] = {}
    for created_at, is_negative, extra in session.execute(query):
        day = as_utc(created_at).date()
        row = counts.setdefault(day, [0, 0, 0.0, 0])
        row[0] += 1
        row[1] += bool(is_negative)
        rating = _number((extra or {}).get(rating_field))
        if rating is not None:
            row[2] += rating
            row[3] += 1
    return {d: DayCounts(int(r[0]), int(r[1]), r[2], int(r[3])) for d, r in counts.items()}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None
