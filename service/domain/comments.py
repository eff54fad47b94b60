"""Stored comments as the API and the pages filter them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.domain.clusters import members_of
from service.domain.errors import Invalid
from service.store.comments import CommentFilter


def comment_filter(
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    stage: str | None = None,
    touchpoint: str | None = None,
    sentiment: str | None = None,
    source: str | None = None,
    taxonomy: str | None = None,
    cluster: int | None = None,
    q: str | None = None,
    language: str | None = None,
    segment: tuple[str, str] | None = None,
) -> CommentFilter:
    """The comment filters shared by the list, its CSV export and the web UI's explorer; a
    cluster stands for itself and the clusters merged into it."""
    if since and until and since >= until:
        raise Invalid("since must be before until")
    clusters = tuple(members_of(session, cluster)) if cluster is not None else None
    return CommentFilter(
        since,
        until,
        stage,
        touchpoint,
        sentiment,
        source,
        taxonomy,
        clusters,
        q,
        language=language or None,
        segment=segment,
    )
