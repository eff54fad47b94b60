"""GET /v1/journey: the journey map's numbers for a time range, optionally beside the period
just before it."""

from __future__ import annotations

from fastapi import APIRouter

from service.auth.guard import READ
from service.common.times import UtcDatetime
from service.deps import SessionDep, StateDep
from service.domain.journey import journey_of
from service.schemas import JourneyResponse

router = APIRouter(prefix="/v1", tags=["journey"])


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
    return journey_of(session, state.taxonomies, taxonomy, since, until, source, compare)
