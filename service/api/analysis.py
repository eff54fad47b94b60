"""Shared by /v1/analyze and /v1/comments: validate the batch, pick the taxonomy, run the model."""

from __future__ import annotations

from fastapi import HTTPException, status

from models.pipeline import Analysis
from models.taxonomy import Taxonomy
from service.schemas import (
    CommentsRequest,
    ResultOut,
    SentimentOut,
    TouchpointOut,
)
from service.state import AppState
from service.taxonomies import UnknownTaxonomy


def check_batch(body: CommentsRequest, state: AppState) -> Taxonomy:
    limit = state.settings.max_batch
    if len(body.comments) > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{len(body.comments)} comments in one request; the limit is {limit} (MOT_MAX_BATCH): "
            "split the batch",
        )
    try:
        return state.taxonomies.get(body.taxonomy)
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.args[0]) from exc


def to_result(item_id: str | None, analysis: Analysis) -> ResultOut:
    return ResultOut(
        id=item_id,
        stage={"label": analysis.stage.label, "confidence": round(analysis.stage.confidence, 4)},
        touchpoints=[
            TouchpointOut(
                label=m.label,
                stage=m.stage,
                confidence=round(m.confidence, 4),
                sentiment=SentimentOut(
                    label=m.sentiment.label,
                    score=round(m.sentiment.score, 4),
                    confidence=round(m.sentiment.confidence, 4),
                ),
                evidence=m.evidence,
                span=(m.start, m.end),
            )
            for m in analysis.touchpoints
        ],
        sentiment=SentimentOut(
            label=analysis.sentiment.label,
            score=round(analysis.sentiment.score, 4),
            confidence=round(analysis.sentiment.confidence, 4),
        ),
        text=analysis.text,
        redactions=analysis.redactions,
    )
