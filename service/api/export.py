"""CSV exports of every list the web UI shows: comments, pain clusters, the journey map. Same
filters as the JSON lists; every cell defused against spreadsheet formulas (service/common/spreadsheet.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from service.auth.guard import READ
from service.common.times import UtcDatetime
from service.deps import SessionDep, StateDep
from service.domain.clusters import cluster_out, dominant_stage, ranked_views
from service.domain.journey import journey_of
from service.schemas import ClusterStatus, JourneyResponse
from service.store.comments import CommentFilter, iter_comments
from service.web.download import csv_response
from service.web.filters import CommentFilterDep

router = APIRouter(prefix="/v1/export", tags=["export"])

COMMENT_COLUMNS = [
    "comment_id", "id", "source", "created_at", "taxonomy", "stage", "touchpoint", "touchpoints",
    "sentiment", "sentiment_score", "cluster_id", "text",
]  # fmt: skip
CLUSTER_COLUMNS = [
    "id", "name", "label", "status", "keywords", "size", "negative_share", "mean_sentiment", "pain",
    "touchpoint", "linked_touchpoint", "stage", "emerging", "reasons", "merged",
]  # fmt: skip
JOURNEY_COLUMNS = [
    "stage", "stage_name", "touchpoint", "touchpoint_name", "count", "negative_share", "mean_sentiment",
    "previous_count", "previous_negative_share",
]  # fmt: skip


@router.get("/comments.csv", dependencies=[READ], response_class=StreamingResponse)
def export_comments(state: StateDep, f: CommentFilterDep) -> StreamingResponse:
    """The comments the same filters list in GET /v1/comments, newest first, up to
    MOT_EXPORT_MAX_ROWS."""
    return csv_response(
        "comments.csv", COMMENT_COLUMNS, _comment_rows(state.sessions, f, state.settings.export_max_rows)
    )


def _comment_rows(
    sessions: sessionmaker[Session], f: CommentFilter, max_rows: int
) -> Iterator[dict[str, Any]]:
    with sessions() as session:  # its own session: the response streams after the request's has closed
        for c in iter_comments(session, f, max_rows):
            yield {
                "comment_id": c.id,
                "id": c.external_id,
                "source": c.source,
                "created_at": c.created_at.isoformat(),
                "taxonomy": c.taxonomy,
                "stage": c.stage,
                "touchpoint": c.touchpoint or "",
                "touchpoints": ";".join(m.touchpoint for m in c.mentions),
                "sentiment": c.sentiment,
                "sentiment_score": round(c.sentiment_score, 4),
                "cluster_id": "" if c.cluster_id is None else c.cluster_id,
                "text": c.text,
            }


@router.get("/clusters.csv", dependencies=[READ], response_class=StreamingResponse)
def export_clusters(
    session: SessionDep,
    cluster_status: Annotated[ClusterStatus | None, Query(alias="status")] = None,
    touchpoint: str | None = None,
    stage: str | None = None,
    emerging: bool | None = None,
    min_size: Annotated[int, Query(ge=1)] = 1,
) -> StreamingResponse:
    """The pain clusters GET /v1/clusters lists with the same filters, most painful first."""
    rows = []
    for view in ranked_views(session, cluster_status, touchpoint, stage, emerging, min_size):
        c = cluster_out(view)
        rows.append(
            {
                **c.model_dump(include=set(CLUSTER_COLUMNS)),
                "name": c.name or "",
                "linked_touchpoint": c.linked_touchpoint or "",
                "keywords": ", ".join(c.keywords),
                "stage": dominant_stage(c.stages) or "",
                "reasons": "; ".join(c.reasons),
                "merged": " ".join(map(str, c.merged)),
            }
        )
    return csv_response("clusters.csv", CLUSTER_COLUMNS, rows)


@router.get("/journey.csv", dependencies=[READ], response_class=StreamingResponse)
def export_journey(
    session: SessionDep,
    state: StateDep,
    since: UtcDatetime | None = None,
    until: UtcDatetime | None = None,
    taxonomy: str | None = None,
    source: str | None = None,
    compare: bool = False,
) -> StreamingResponse:
    """The journey map of GET /v1/journey: one row per touchpoint, in journey order."""
    return csv_response(
        "journey.csv",
        JOURNEY_COLUMNS,
        journey_rows(journey_of(session, state.taxonomies, taxonomy, since, until, source, compare)),
    )


def journey_rows(map_: JourneyResponse) -> list[dict[str, Any]]:
    return [
        {
            "stage": s.stage,
            "stage_name": s.name,
            "touchpoint": t.touchpoint,
            "touchpoint_name": t.name,
            "count": t.count,
            "negative_share": "" if t.negative_share is None else round(t.negative_share, 4),
            "mean_sentiment": "" if t.mean_sentiment is None else round(t.mean_sentiment, 4),
            "previous_count": "" if t.previous is None else t.previous.count,
            "previous_negative_share": ""
            if t.previous is None or t.previous.negative_share is None
            else round(t.previous.negative_share, 4),
        }
        for s in map_.stages
        for t in s.touchpoints
    ]
