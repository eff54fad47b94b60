"""GET /v1/journey: the journey map's numbers for a time range, optionally beside the period
just before it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from service.auth.guard import READ
from service.common.times import UtcDatetime
from service.deps import SessionDep, StateDep
from service.domain.errors import Invalid
from service.domain.highlights import highlights
from service.domain.journey import journey_of
from service.domain.segments import compare, parse_segment, segment_options
from service.domain.taxonomies import UnknownTaxonomy
from service.schemas import HighlightsOut, JourneyResponse, SegmentComparison, SegmentOption

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
    segment: Annotated[
        str | None,
        Query(
            max_length=300,
            description="field:value of a field MOT_SEGMENT_FIELDS declares, e.g. airline:United",
        ),
    ] = None,
) -> JourneyResponse:
    """Per stage (in journey order) and per touchpoint: count, negative share, mean sentiment
    score, over comments analysed with the taxonomy and created in [since, until). With
    `compare=true` (and both since and until), each also carries `previous`: the same numbers
    over the period of the same length just before."""
    language = lang or first_language(accept_language)
    chosen = parse_segment(segment, state.settings.segment_fields)
    return journey_of(session, state.taxonomies, taxonomy, since, until, source, compare, language, chosen)


@router.get("/highlights", dependencies=[READ], response_model=HighlightsOut)
def list_highlights(
    session: SessionDep,
    state: StateDep,
    since: UtcDatetime | None = None,
    until: UtcDatetime | None = None,
    taxonomy: str | None = None,
    source: str | None = None,
    lang: Annotated[str | None, Query(pattern="^[a-z]{2}$")] = None,
    segment: Annotated[
        str | None, Query(max_length=300, description="field:value, as on /v1/journey")
    ] = None,
) -> HighlightsOut:
    """What customers praise: touchpoints by positive mentions (95% interval of the positive
    share) in [since, until), and the clusters of positive comments of the latest refresh."""
    if since and until and since >= until:
        raise Invalid("since must be before until")
    try:
        tax = state.taxonomies.get(taxonomy)
    except UnknownTaxonomy as exc:
        raise Invalid(exc.args[0]) from exc
    chosen = parse_segment(segment, state.settings.segment_fields)
    return highlights(session, tax, since, until, source, lang, chosen)


@router.get("/segments", dependencies=[READ], response_model=list[SegmentOption])
def list_segments(session: SessionDep, state: StateDep) -> list[SegmentOption]:
    """Each field MOT_SEGMENT_FIELDS declares, with its commonest stored values: what
    `segment=field:value` can filter by."""
    return segment_options(session, state.settings.segment_fields)


@router.get("/segments/{field}/compare", dependencies=[READ], response_model=SegmentComparison)
def compare_segments(
    field: str,
    session: SessionDep,
    state: StateDep,
    since: UtcDatetime | None = None,
    until: UtcDatetime | None = None,
    taxonomy: str | None = None,
    source: str | None = None,
    lang: Annotated[str | None, Query(pattern="^[a-z]{2}$")] = None,
) -> SegmentComparison:
    """The field's commonest values side by side: per touchpoint, its mentions and negative
    share in each."""
    try:
        tax = state.taxonomies.get(taxonomy)
    except UnknownTaxonomy as exc:
        raise Invalid(exc.args[0]) from exc
    return compare(session, tax, field, state.settings.segment_fields, since, until, source, lang)


def first_language(header: str | None) -> str | None:
    """ "zh-CN,zh;q=0.9,en;q=0.8" -> "zh": the reader's first choice, as a taxonomy names it."""
    first = (header or "").split(",")[0].split(";")[0].strip().lower()
    code = first.split("-")[0]
    return code if len(code) == 2 and code.isalpha() else None
