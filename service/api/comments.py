"""POST /v1/comments (analyse and store, idempotent on source and id), GET /v1/comments (filters,
word search, paging) and GET /v1/comments/{id}/similar (more like this)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse

from service.api.analysis import check_batch
from service.api.errors import ErrorOut, refusals
from service.auth.guard import INGEST, READ
from service.deps import SessionDep, StateDep
from service.domain.ingest import ingest_items
from service.schemas import (
    CommentPage,
    CommentsRequest,
    IngestResponse,
    MentionOut,
    SimilarComment,
    StoredComment,
)
from service.store.comments import page_comments
from service.store.search import similar_comments
from service.store.tables import Comment
from service.web.filters import CommentFilterDep
from service.web.ids import CommentId

router = APIRouter(prefix="/v1", tags=["comments"])


@router.post(
    "/comments",
    dependencies=[INGEST],
    response_model=IngestResponse,
    responses={
        422: {
            "model": IngestResponse | ErrorOut,
            "description": "no item was valid (each item's error is listed), or the request is invalid",
        }
    },
)
def ingest(body: CommentsRequest, state: StateDep) -> IngestResponse | JSONResponse:
    """Analyse and store. A comment whose (source, id) is already stored is reported as
    `duplicate` and stored nothing twice. Invalid items are reported, valid ones kept. The
    response comes after the commit: what it calls `created` is durable."""
    taxonomy = check_batch(body, state)
    response = ingest_items(state, body.comments, taxonomy)
    if response.invalid == len(body.comments):
        return JSONResponse(
            response.model_dump(mode="json"), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
        )
    return response


@router.get("/comments", dependencies=[READ], response_model=CommentPage)
def list_comments(
    session: SessionDep,
    state: StateDep,
    f: CommentFilterDep,
    limit: Annotated[int, Query(ge=1, description="page size, at most MOT_MAX_PAGE_SIZE")] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> CommentPage:
    if limit > state.settings.max_page_size:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"limit {limit} is above the largest page, {state.settings.max_page_size} (MOT_MAX_PAGE_SIZE)",
        )
    try:
        rows, next_cursor = page_comments(session, f, limit, cursor)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return CommentPage(comments=[stored(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/comments/{comment_id}/similar",
    dependencies=[READ],
    response_model=list[SimilarComment],
    responses=refusals(404, e404="no such comment"),
)
def similar(
    comment_id: CommentId,
    session: SessionDep,
    state: StateDep,
    limit: Annotated[int | None, Query(ge=1, le=100, description="default MOT_SIMILAR_LIMIT")] = None,
) -> list[SimilarComment]:
    """More like this: the stored comments nearest to this one by embedding (cosine), closest
    first, among the MOT_SIMILAR_SCAN_MAX most recent ones of the same encoder."""
    found = similar_comments(
        session, comment_id, limit or state.settings.similar_limit, state.settings.similar_scan_max
    )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no comment {comment_id}")
    return [SimilarComment(similarity=n.similarity, comment=stored(n.comment)) for n in found]


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
        language=row.language,
    )
