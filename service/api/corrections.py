"""Analysts' corrections: POST /v1/comments/{id}/corrections stores a label on a comment;
GET /v1/corrections/export returns every corrected comment as a file `mot train` reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import Response

from service.api.errors import refusals
from service.auth.guard import READ, TRIAGE
from service.deps import SessionDep, StateDep
from service.domain.taxonomies import UnknownTaxonomy
from service.schemas import CorrectionIn, CorrectionOut
from service.store.comments import get_comment
from service.store.corrections import add_correction, corrections_with_comments
from service.store.tables import Correction
from service.web.download import csv_response
from service.web.ids import CommentId

router = APIRouter(prefix="/v1", tags=["corrections"])
EXPORT_COLUMNS = ["text", "touchpoint", "stage", "sentiment", "taxonomy", "comment_id", "source", "id"]


@router.post(
    "/comments/{comment_id}/corrections",
    dependencies=[TRIAGE],
    response_model=CorrectionOut,
    status_code=201,
    responses=refusals(404, e404="no such comment"),
)
def correct(comment_id: CommentId, body: CorrectionIn, state: StateDep, session: SessionDep) -> CorrectionOut:
    if body.touchpoint is None and body.stage is None and body.sentiment is None:
        raise HTTPException(422, "give at least one of touchpoint, stage, sentiment")
    comment = get_comment(session, comment_id)
    if comment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no comment {comment_id}")
    try:
        taxonomy = state.taxonomies.get(comment.taxonomy)
    except UnknownTaxonomy as exc:
        raise HTTPException(
            422, f"the comment's taxonomy {comment.taxonomy!r} is gone: {exc.args[0]}"
        ) from exc
    stage = body.stage
    if body.touchpoint is not None:
        known = [tp.id for tp in taxonomy.touchpoints]
        if body.touchpoint not in known:
            raise HTTPException(
                422,
                f"touchpoint {body.touchpoint!r} is not in taxonomy {taxonomy.name!r}: use one of {known}",
            )
        implied = taxonomy.touchpoint(body.touchpoint).stage
        if stage is not None and stage != implied:
            raise HTTPException(
                422, f"touchpoint {body.touchpoint!r} belongs to stage {implied!r}, not {stage!r}"
            )
        stage = implied
    if stage is not None and stage not in taxonomy.stage_ids:
        raise HTTPException(422, f"stage {stage!r} is not one of {taxonomy.stage_ids}")
    row = Correction(
        comment_id=comment_id,
        touchpoint=body.touchpoint,
        stage=stage,
        sentiment=body.sentiment,
        note=body.note,
        created_at=datetime.now(UTC),
    )
    add_correction(session, row)
    return CorrectionOut.model_validate(row, from_attributes=True)


@router.get("/corrections/export", dependencies=[READ], response_class=Response)
def export(
    session: SessionDep, format: Literal["csv", "jsonl"] = "csv", taxonomy: str | None = None
) -> Response:
    """One row per corrected comment, its latest correction of each field winning; fields no one
    corrected are left empty, so that they train nothing. Train on it with
    `mot train --data FILE --touchpoint-col touchpoint --stage-col stage --sentiment-col sentiment`."""
    rows: dict[int, dict[str, object]] = {}
    for correction, comment in corrections_with_comments(session, taxonomy):
        row = rows.setdefault(
            comment.id,
            {
                "text": comment.text,
                "touchpoint": None,
                "stage": None,
                "sentiment": None,
                "taxonomy": comment.taxonomy,
                "comment_id": comment.id,
                "source": comment.source,
                "id": comment.external_id,
            },
        )
        for field in ("touchpoint", "stage", "sentiment"):
            if getattr(correction, field) is not None:
                row[field] = getattr(correction, field)
    if format == "jsonl":
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows.values())
        return Response(body, media_type="application/x-ndjson", headers=_attachment("corrections.jsonl"))
    return csv_response("corrections.csv", EXPORT_COLUMNS, rows.values())


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
