"""GET /v1/journey: the journey map's numbers for a time range."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, status

from service.deps import SessionDep, StateDep
from service.schemas import JourneyResponse, StageStats, TouchpointStats
from service.store.comments import CommentFilter
from service.store.journey import Aggregate, stage_aggregates, touchpoint_aggregates
from service.taxonomies import UnknownTaxonomy

router = APIRouter(prefix="/v1", tags=["journey"])
EMPTY = Aggregate(0, None, None)


@router.get("/journey", response_model=JourneyResponse)
def journey(
    session: SessionDep,
    state: StateDep,
    since: datetime | None = None,
    until: datetime | None = None,
    taxonomy: str | None = None,
    source: str | None = None,
) -> JourneyResponse:
    """Per stage (in journey order) and per touchpoint: count, negative share, mean sentiment
    score, over comments analysed with the taxonomy and created in [since, until)."""
    try:
        tax = state.taxonomies.get(taxonomy)
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.args[0]) from exc
    if since and until and since >= until:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "since must be before until")
    f = CommentFilter(since=since, until=until, source=source, taxonomy=tax.name)
    stages = stage_aggregates(session, f)
    touchpoints = touchpoint_aggregates(session, f)
    return JourneyResponse(
        taxonomy=tax.name,
        since=since,
        until=until,
        total=sum(a.count for a in stages.values()),
        stages=[
            StageStats(
                stage=s.id,
                name=s.name,
                **stages.get(s.id, EMPTY).__dict__,
                touchpoints=[
                    TouchpointStats(touchpoint=tp.id, name=tp.name, **touchpoints.get(tp.id, EMPTY).__dict__)
                    for tp in tax.touchpoints
                    if tp.stage == s.id
                ],
            )
            for s in tax.stages
        ],
    )
