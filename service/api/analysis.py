"""Shared by /v1/analyze and /v1/comments: check the batch's size and pick its taxonomy."""

from __future__ import annotations

from fastapi import HTTPException, status

from models.taxonomy import Taxonomy
from service.domain.taxonomies import UnknownTaxonomy
from service.schemas import CommentsRequest
from service.state import AppState


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
