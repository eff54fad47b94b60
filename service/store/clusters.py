"""Queries on pain clusters and the touchpoint trends of a refresh."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.orm import Session

from service.store.tables import Comment, PainCluster, TouchpointTrend

HIGHLIGHTS = "positive"  # the scope of the praise clusters a negative-scope refresh also finds


def active_clusters(session: Session, highlights: bool = False) -> Sequence[PainCluster]:
    """The pain clusters of the latest refresh, or (`highlights`) its clusters of praise."""
    scope = PainCluster.scope == HIGHLIGHTS
    query = select(PainCluster).where(PainCluster.active, scope if highlights else ~scope)
    return session.scalars(query.order_by(PainCluster.id)).all()


def get_cluster(session: Session, cluster_id: int) -> PainCluster | None:
    return session.get(PainCluster, cluster_id)


def merged_into(session: Session, cluster_id: int) -> Sequence[PainCluster]:
    """The clusters merged into `cluster_id`."""
    return session.scalars(select(PainCluster).where(PainCluster.merged_into == cluster_id)).all()


def latest_refresh(session: Session) -> datetime | None:
    return session.scalar(select(func.max(PainCluster.refreshed_at)).where(PainCluster.active))


def comments_by_id(session: Session, ids: Sequence[int]) -> dict[int, Comment]:
    return {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(ids)))} if ids else {}


def cluster_comments(session: Session, cluster_id: int, limit: int) -> Sequence[Comment]:
    """The first `limit` comments assigned to the cluster, oldest first (by their own time)."""
    query = select(Comment).where(Comment.cluster_id == cluster_id)
    return session.scalars(query.order_by(Comment.created_at, Comment.id).limit(limit)).all()


def emerging_trends(session: Session, scope: str) -> Sequence[TouchpointTrend]:
    """The touchpoints the latest refresh of `scope` flagged emerging, by id."""
    return session.scalars(
        select(TouchpointTrend)
        .where(TouchpointTrend.emerging, TouchpointTrend.scope == scope)
        .order_by(TouchpointTrend.touchpoint)
    ).all()


def touchpoint_trend(session: Session, touchpoint: str, scope: str) -> TouchpointTrend | None:
    return session.get(TouchpointTrend, (touchpoint, scope))


def active_in_scope(session: Session, scope: str) -> Sequence[PainCluster]:
    return session.scalars(
        select(PainCluster).where(PainCluster.active, PainCluster.scope == scope).order_by(PainCluster.id)
    ).all()


def comments_to_cluster(session: Session, encoder_version: str, scope: str, limit: int) -> list[Row]:
    """The newest `limit` comments of the encoder (negative ones only for scope "negative"), with
    what clustering reads of each, newest first."""
    query = select(
        Comment.id, Comment.text, Comment.embedding, Comment.sentiment, Comment.sentiment_score,
        Comment.touchpoint, Comment.stage, Comment.created_at, Comment.source,
    ).where(Comment.embedding_model == encoder_version)  # fmt: skip
    if scope in ("negative", HIGHLIGHTS):
        query = query.where(Comment.sentiment == scope)
    return list(session.execute(query.order_by(Comment.created_at.desc()).limit(limit)).all())


def cluster_members(session: Session) -> dict[int, set[int]]:
    """Each cluster's assigned comment ids."""
    members: dict[int, set[int]] = {}
    for comment_id, cluster_id in session.execute(
        select(Comment.id, Comment.cluster_id).where(Comment.cluster_id.is_not(None))
    ):
        members.setdefault(cluster_id, set()).add(comment_id)
    return members


def clear_clusters(session: Session, scope: str) -> None:
    """Before a refresh writes its own: the scope's clusters inactive, none of their comments
    assigned (a praise refresh leaves the pain clusters' comments where they are)."""
    session.execute(update(PainCluster).where(PainCluster.scope == scope).values(active=False))
    kept = select(PainCluster.id).where(PainCluster.active, PainCluster.scope != scope)
    session.execute(
        update(Comment)
        .where(Comment.cluster_id.is_not(None), Comment.cluster_id.not_in(kept))
        .values(cluster_id=None)
    )


def save_cluster(
    session: Session, old_id: int | None, values: dict[str, Any], now: datetime, members: Iterable[int]
) -> PainCluster:
    """The cluster found again (`old_id`: keeps its id, name and status) or a new one, with its
    comments assigned to it."""
    row = session.get(PainCluster, old_id) if old_id is not None else None
    if row is None:
        row = PainCluster(created_at=now, status="new", **values)
        session.add(row)
        session.flush()
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.execute(update(Comment).where(Comment.id.in_(list(members))).values(cluster_id=row.id))
    return row


def replace_touchpoint_trends(session: Session, scope: str, trends: Iterable[TouchpointTrend]) -> None:
    session.execute(delete(TouchpointTrend).where(TouchpointTrend.scope == scope))
    session.add_all(trends)
