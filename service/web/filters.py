"""The comment filters as query parameters: one dependency for GET /v1/comments and its CSV export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query

from service.common.times import UtcDatetime
from service.deps import SessionDep, StateDep
from service.domain.comments import comment_filter
from service.domain.segments import parse_segment
from service.store.comments import CommentFilter
from service.store.tables import ROW_ID_MAX


def comment_filter_query(
    session: SessionDep,
    state: StateDep,
    since: Annotated[UtcDatetime | None, Query(description="created_at >= since (ISO 8601)")] = None,
    until: Annotated[UtcDatetime | None, Query(description="created_at < until (ISO 8601)")] = None,
    stage: str | None = None,
    touchpoint: Annotated[str | None, Query(description="comments that name this touchpoint")] = None,
    sentiment: Literal["negative", "neutral", "positive"] | None = None,
    source: str | None = None,
    taxonomy: str | None = None,
    cluster: Annotated[
        int | None,
        Query(ge=1, le=ROW_ID_MAX, description="comments of this pain cluster (and of those merged into it)"),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=500, description='words (or "quoted phrases") the text must all contain')
    ] = None,
    language: Annotated[
        str | None, Query(pattern="^[a-z]{2}$", description="detected language, ISO 639-1 (en, zh...)")
    ] = None,
    segment: Annotated[
        str | None,
        Query(
            max_length=300,
            description="field:value of a field MOT_SEGMENT_FIELDS declares, e.g. airline:United",
        ),
    ] = None,
) -> CommentFilter:
    """The comment filters shared by the list and its CSV export."""
    chosen = parse_segment(segment, state.settings.segment_fields)
    return comment_filter(
        session, since, until, stage, touchpoint, sentiment, source, taxonomy, cluster, q, language, chosen
    )


CommentFilterDep = Annotated[CommentFilter, Depends(comment_filter_query)]
