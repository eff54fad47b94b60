"""POST /v1/analyze: predictions for a batch of comments; stores nothing."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from service.api.analysis import check_batch
from service.auth.guard import INGEST
from service.deps import StateDep
from service.domain.results import to_result
from service.schemas import AnalyzeResponse, CommentsRequest, validate_items

router = APIRouter(prefix="/v1", tags=["analyze"])


@router.post("/analyze", dependencies=[INGEST], response_model=AnalyzeResponse)
def analyze(body: CommentsRequest, state: StateDep) -> AnalyzeResponse:
    """Journey stage, touchpoints (best first, each with sentiment and evidence) and sentiment for
    each comment, in input order. Any invalid item fails the request with every item's error, so
    that results always line up with the input."""
    taxonomy = check_batch(body, state)
    valid, errors = validate_items(body.comments, state.settings)
    if errors:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            {
                "message": f"{len(errors)} of {len(body.comments)} comments are invalid; nothing was analysed",
                "errors": [e.model_dump() for e in errors],
            },
        )
    analyzer = state.analyzer  # one model for the whole request, even across a swap
    analyses = state.inference.analyze(analyzer, [item.text for _, item in valid], taxonomy)
    return AnalyzeResponse(
        model_version=analyzer.model_version,
        taxonomy=taxonomy.name,
        results=[to_result(item.id, a) for (_, item), a in zip(valid, analyses)],
    )
