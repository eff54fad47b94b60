"""GET /v1/journey: the journey map's numbers for a time range, optionally beside the period
just before it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

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
    lang: Annotated[
        str | None,
        Query(
            pattern="^[a-z]{2}$",
            description="names in this language (ISO 639-1) where the taxonomy gives them; "
            "default: the first language of Accept-Language",
        ),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> JourneyResponse:
    """Per stage (in journey order) and per touchpoint: count, negative share, mean sentiment
    score, over comments analysed with the taxonomy and created in [since, until). With
    `compare=true` (and both since and until), each also carries `previous`: the same numbers
    over the period of the same length just before."""
    language = lang or first_language(accept_language)
    return journey_of(session, state.taxonomies, taxonomy, since, until, source, compare, language)


def first_language(header: str | None) -> str | None:
    """ "zh-CN,zh;q=0.9,en;q=0.8" -> "zh": the reader's first choice, as a taxonomy names it."""
    first = (header or "").split(",")[0].split(";")[0].strip().lower()
    code = first.split("-")[0]
    return code if len(code) == 2 and code.isalpha() else None
