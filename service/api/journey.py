"""GET /v1/journey: the journey map's numbers for a time range, optionally beside the period
just before it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.orm import Session

from models.taxonomy import Taxonomy
from service.auth.guard import READ
from service.deps import SessionDep, StateDep
from service.schemas import JourneyResponse, PeriodStats, StageStats, TouchpointStats
from service.store.comments import CommentFilter
from service.store.journey import Aggregate, stage_aggregates, touchpoint_aggregates
from service.taxonomies import UnknownTaxonomy
from service.times import UtcDatetime

router = APIRouter(prefix="/v1", tags=["journey"])
EMPTY = Aggregate(0, None, None)


@router.get("/journey", dependencies=[READ], response_model=JourneyResponse)
def journey(
    session: SessionDep,
    state: StateDep,
    since: UtcDatetime | None = None,
    until: UtcDatetime | None = None,
    taxonomy: str | None = None,
    source: str | None = None,
    compare: bool = False,
) -> JourneyResponse:
    """Per stage (in journey order) and per touchpoint: count, negative share, mean sentiment
    score, over comments analysed with the taxonomy and created in [since, until). With
    `compare=true` (and both since and until), each also carries `previous`: the same numbers
    over the period of the same length just before."""
    try:
        tax = state.taxonomies.get(taxonomy)
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.args[0]) from exc
    if since and until and since >= until:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "since must be before until")
    if compare and not (since and until):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "compare needs both since and until: the period to compare"
        )
    if compare and since and until and since - datetime.min.replace(tzinfo=UTC) < until - since:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "compare: the period before since would start before the year 1: shorten the period",
        )
    return journey_map(session, tax, since, until, source, compare)


def journey_map(
    session: Session,
    tax: Taxonomy,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    compare: bool = False,
) -> JourneyResponse:
    """Aggregated in SQL (GROUP BY), never comment by comment: the map stays fast at any volume."""
    f = CommentFilter(since=since, until=until, source=source, taxonomy=tax.name)
    stages, touchpoints = stage_aggregates(session, f), touchpoint_aggregates(session, f)
    before: tuple[dict[str, Aggregate], dict[str, Aggregate]] | None = None
    previous_since = None
    if compare and since and until:
        previous_since = since - (until - since)
        earlier = replace(f, since=previous_since, until=since)
        before = stage_aggregates(session, earlier), touchpoint_aggregates(session, earlier)

    def previous(kind: int, key: str) -> PeriodStats | None:
        return None if before is None else PeriodStats(**before[kind].get(key, EMPTY).__dict__)

    return JourneyResponse(
        taxonomy=tax.name,
        since=since,
        until=until,
        total=sum(a.count for a in stages.values()),
        previous_since=previous_since,
        previous_until=since if before is not None else None,
        previous_total=sum(a.count for a in before[0].values()) if before is not None else None,
        stages=[
            StageStats(
                stage=s.id,
                name=s.name,
                **stages.get(s.id, EMPTY).__dict__,
                previous=previous(0, s.id),
                touchpoints=[
                    TouchpointStats(
                        touchpoint=tp.id,
                        name=tp.name,
                        **touchpoints.get(tp.id, EMPTY).__dict__,
                        previous=previous(1, tp.id),
                    )
                    for tp in tax.touchpoints
                    if tp.stage == s.id
                ],
            )
            for s in tax.stages
        ],
    )
