"""POST /v1/comments (analyse and store, idempotent on source and id) and GET /v1/comments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse

from service.api.analysis import check_batch, to_result
from service.api.clusters import members_of
from service.deps import SessionDep, StateDep
from service.schemas import (
    CommentPage,
    CommentsRequest,
    IngestResponse,
    ItemStatus,
    MentionOut,
    StoredComment,
    validate_items,
)
from service.store.comments import CommentFilter, insert_comment, page_comments
from service.store.tables import Comment

router = APIRouter(prefix="/v1", tags=["comments"])

DEFAULT_SOURCE = "api"


@router.post(
    "/comments",
    response_model=IngestResponse,
    responses={422: {"description": "no item was valid; each item's error is listed"}},
)
def ingest(body: CommentsRequest, state: StateDep) -> IngestResponse | JSONResponse:
    """Analyse and store. A comment whose (source, id) is already stored is reported as
    `duplicate` and stored nothing twice. Invalid items are reported, valid ones kept. The
    response comes after the commit: what it calls `created` is durable."""
    taxonomy = check_batch(body, state)
    valid, errors = validate_items(body.comments, state.settings)
    statuses = [ItemStatus(index=e.index, id=e.id, status="invalid", message=e.message) for e in errors]
    analyzer = state.analyzer  # one model for the whole request, even across a swap
    if valid:
        analyses = analyzer.analyze([item.text for _, item in valid], taxonomy)
        cluster_ids = state.clusters.assign(
            [a.embedding for a in analyses], [a.sentiment.label for a in analyses], analyzer.encoder.version
        )
        with state.sessions.begin() as session:
            for (index, item), analysis, cluster_id in zip(valid, analyses, cluster_ids):
                inserted = insert_comment(
                    session,
                    item,
                    analysis,
                    source=item.source or DEFAULT_SOURCE,
                    external_id=item.id or uuid.uuid4().hex,
                    taxonomy=taxonomy.name,
                    model_version=analyzer.model_version,
                    embedding_model=analyzer.encoder.version,
                    cluster_id=cluster_id,
                )
                statuses.append(
                    ItemStatus(
                        index=index,
                        id=inserted.external_id,
                        status="created" if inserted.comment_id else "duplicate",
                        comment_id=inserted.comment_id,
                        result=to_result(inserted.external_id, analysis),
                    )
                )
    statuses.sort(key=lambda s: s.index)
    response = IngestResponse(
        model_version=analyzer.model_version,
        taxonomy=taxonomy.name,
        created=sum(s.status == "created" for s in statuses),
        duplicates=sum(s.status == "duplicate" for s in statuses),
        invalid=len(errors),
        items=statuses,
    )
    if not valid:
        return JSONResponse(
            response.model_dump(mode="json"), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    return response


@router.get("/comments", response_model=CommentPage)
def list_comments(
    session: SessionDep,
    state: StateDep,
    since: Annotated[datetime | None, Query(description="created_at >= since (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="created_at < until (ISO 8601)")] = None,
    stage: str | None = None,
    touchpoint: Annotated[str | None, Query(description="comments that name this touchpoint")] = None,
    sentiment: Literal["negative", "neutral", "positive"] | None = None,
    source: str | None = None,
    taxonomy: str | None = None,
    cluster: Annotated[
        int | None, Query(description="comments of this pain cluster (and of those merged into it)")
    ] = None,
    limit: Annotated[int, Query(ge=1, description="page size, at most MOT_MAX_PAGE_SIZE")] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> CommentPage:
    if limit > state.settings.max_page_size:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"limit {limit} is above the largest page, {state.settings.max_page_size} (MOT_MAX_PAGE_SIZE)",
        )
    if since and until and since >= until:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "since must be before until")
    clusters = tuple(members_of(session, cluster)) if cluster is not None else None
    f = CommentFilter(since, until, stage, touchpoint, sentiment, source, taxonomy, clusters)
    try:
        rows, next_cursor = page_comments(session, f, limit, cursor)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return CommentPage(comments=[stored(row) for row in rows], next_cursor=next_cursor)


def stored(row: Comment) -> StoredComment:
    return StoredComment(
        comment_id=row.id,
        id=row.external_id,
        source=row.source,
        text=row.text,
        created_at=row.created_at,
        received_at=row.received_at,
        metadata=row.extra,
        taxonomy=row.taxonomy,
        stage=row.stage,
        stage_confidence=row.stage_confidence,
        touchpoint=row.touchpoint,
        touchpoints=[
            MentionOut(
                touchpoint=m.touchpoint,
                stage=m.stage,
                confidence=m.confidence,
                sentiment=m.sentiment,
                sentiment_score=m.sentiment_score,
                evidence=m.evidence,
            )
            for m in row.mentions
        ],
        sentiment=row.sentiment,
        sentiment_score=row.sentiment_score,
        sentiment_confidence=row.sentiment_confidence,
        model_version=row.model_version,
        embedding_model=row.embedding_model,
        cluster_id=row.cluster_id,
    )
