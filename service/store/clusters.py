"""Queries on pain clusters and the touchpoint trends of a refresh."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.store.tables import Comment, PainCluster, TouchpointTrend


def active_clusters(session: Session) -> Sequence[PainCluster]:
    return session.scalars(select(PainCluster).where(PainCluster.active).order_by(PainCluster.id)).all()


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
    """The first `limit` comments assigned to the cluster, oldest first."""
    return session.scalars(
        select(Comment).where(Comment.cluster_id == cluster_id).order_by(Comment.id).limit(limit)
    ).all()


def emerging_trends(session: Session, scope: str) -> Sequence[TouchpointTrend]:
    """The touchpoints the latest refresh of `scope` flagged emerging, by id."""
    return session.scalars(
        select(TouchpointTrend)
        .where(TouchpointTrend.emerging, TouchpointTrend.scope == scope)
        .order_by(TouchpointTrend.touchpoint)
    ).all()


def touchpoint_trend(session: Session, touchpoint: str, scope: str) -> TouchpointTrend | None:
    return session.get(TouchpointTrend, (touchpoint, scope))
