"""Refresh the pain clusters from the stored comments, keeping the ids (and so the analysts'
names and statuses) of the clusters found again; and assign a comment that arrives between two
refreshes to the cluster it is close to.

Only embeddings of the encoder in service are clustered: after a swap, comments waiting for the
re-embedding job are left out until they are re-embedded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from models.cluster import ClusterConfig
from models.emerging import EmergenceRule, Period
from models.identity import Known, match
from models.keywords import GENERIC_LABEL
from models.pain import Comments, mine
from models.pipeline import Analyzer
from service.domain.cluster_index import ClusterIndex, load_index
from service.jobs.registry import Job
from service.settings import Settings
from service.store.clusters import (
    HIGHLIGHTS,
    active_in_scope,
    clear_clusters,
    cluster_members,
    comments_to_cluster,
    replace_touchpoint_trends,
    save_cluster,
)
from service.store.tables import PainCluster, TouchpointTrend


def refresh_work(
    sessions: sessionmaker[Session],
    current: Callable[[], Analyzer],
    settings: Settings,
    published: Callable[[ClusterIndex], None],
) -> Callable[[Job, threading.Event], None]:
    def work(job: Job, stopping: threading.Event) -> None:
        job.total = 4
        index = refresh(sessions, current().encoder.version, settings, job)
        published(index)
        job.done = job.total

    return work


def refresh(
    sessions: sessionmaker[Session], encoder_version: str, settings: Settings, job: Job | None = None
) -> ClusterIndex:
    """The pain clusters of MOT_CLUSTER_SCOPE and, when that is the negative comments and
    MOT_HIGHLIGHTS is on, the clusters of praise (scope "positive") beside them."""
    _refresh_scope(sessions, encoder_version, settings, settings.cluster_scope, job)
    if settings.cluster_scope == "negative" and settings.highlights:
        _refresh_scope(sessions, encoder_version, settings, HIGHLIGHTS, None)
    _step(job)
    return load_index(sessions, settings.cluster_scope)


def _refresh_scope(
    sessions: sessionmaker[Session], encoder_version: str, settings: Settings, scope: str, job: Job | None
) -> None:
    with sessions() as session:
        rows = comments_to_cluster(session, encoder_version, scope, settings.cluster_max_comments)
        known_rows = active_in_scope(session, scope)
        members = cluster_members(session)
        known = [
            Known(r.id, np.frombuffer(r.centre, dtype="<f4"), frozenset(members.get(r.id, set())))
            for r in known_rows
        ]
    _step(job)
    rows = rows[::-1]  # oldest first
    ids = [r.id for r in rows]
    comments = Comments(
        texts=[r.text for r in rows],
        embeddings=np.stack([np.frombuffer(r.embedding, dtype="<f4") for r in rows])
        if rows
        else np.zeros((0, 1), np.float32),
        sentiments=[r.sentiment for r in rows],
        scores=[r.sentiment_score for r in rows],
        touchpoints=[r.touchpoint for r in rows],
        stages=[r.stage for r in rows],
        times=[_naive_utc(r.created_at) for r in rows],
        sources=[r.source for r in rows],
    )
    config = replace(ClusterConfig(), min_cluster_size=settings.cluster_min_size)
    rule = replace(EmergenceRule(), alpha=settings.emergence_alpha, window=settings.emergence_window)
    report = mine(comments, config=config, period=settings.cluster_period, rule=rule)
    _step(job)
    clustering = report.clustering
    new_members = [frozenset(ids[i] for i in clustering.members(c)) for c in range(clustering.count)]
    continued = match(known, clustering.centres, new_members, frozenset(ids))
    now = datetime.now(UTC)
    with sessions.begin() as session:
        clear_clusters(session, scope)
        saved: dict[int, PainCluster] = {}
        for described, old_id in zip(report.clusters, continued):
            c = described.index
            trend = [_point(t.period, t.tested) for t in report.trends if t.cluster == c]
            last_score = trend[-1]["score"] if trend and trend[-1]["score"] is not None else 1.0
            values = dict(
                scope=scope,
                active=True,
                label=_general(described.label, scope),
                keywords=described.keywords,
                touchpoint=described.touchpoint,
                size=described.size,
                negative_share=described.negative_share,
                mean_sentiment=described.mean_sentiment,
                touchpoints=described.touchpoints,
                stages=described.stages,
                representatives=[ids[i] for i in described.representatives],
                emerging=described.emerging,
                reasons=described.reasons,
                trend=trend,
                growth=float(last_score),
                centre=clustering.centres[c].astype("<f4").tobytes(),
                radius=float(clustering.radii[c]),
                embedding_model=encoder_version,
                refreshed_at=now,
                generic=described.generic,
            )
            saved[c] = save_cluster(session, old_id, values, now, new_members[c])
        for theme in report.themes:  # a theme is known by its largest cluster's id, which lasts
            lead = saved[theme.clusters[0]].id
            for c in theme.clusters:
                saved[c].theme_id, saved[c].theme_label = lead, _general(theme.label, scope)
        replace_touchpoint_trends(
            session,
            scope,
            (
                TouchpointTrend(
                    touchpoint=touchpoint,
                    scope=scope,
                    trend=[_point(report.periods[p.index], p) for p in points],
                    emerging=any(p.flagged for p in points),
                    reasons=[
                        f"{report.periods[p.index].isoformat()}: {p.reason}" for p in points if p.flagged
                    ],
                    refreshed_at=now,
                )
                for touchpoint, points in report.touchpoint_trends.items()
            ),
        )


GENERAL_PRAISE = "general praise"


def _general(label: str, scope: str) -> str:
    """Venting with no subject is general dissatisfaction; its mirror among the praise is
    general praise ("thanks, amazing")."""
    return GENERAL_PRAISE if scope == HIGHLIGHTS and label == GENERIC_LABEL else label


def _point(period: datetime, tested: Period) -> dict[str, object]:
    return {
        "period": period.isoformat(),
        "count": tested.count,
        "share": round(tested.share, 5),
        "expected": None if np.isnan(tested.expected) else round(tested.expected, 2),
        "score": None if not np.isfinite(tested.score) else round(tested.score, 3),
        "flagged": tested.flagged,
    }


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _step(job: Job | None) -> None:
    if job is not None:
        job.done += 1
