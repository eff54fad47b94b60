"""GET /v1/moments: the moments of truth, touchpoints ranked by their impact on the rating that
comments carry in `metadata[MOT_RATING_FIELD]` (else by volume × negativity); the rule is in
models/moments.py, the filters in service/domain/moments.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from service.auth.guard import READ
from service.common.times import UtcDatetime
from service.deps import SessionDep, StateDep
from service.domain.moments import moments_of
from service.domain.segments import parse_segment
from service.schemas import MomentsOut

router = APIRouter(prefix="/v1", tags=["moments"])
FILTERS = ("since", "until", "source", "taxonomy", "segment")


def known_filters(request: Request) -> None:
    """A filter the ranking cannot apply (stage, sentiment...) is refused, never silently ignored."""
    unknown = sorted(set(request.query_params) - set(FILTERS))
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"GET /v1/moments cannot filter by {', '.join(unknown)}: its filters are {', '.join(FILTERS)}",
        )


@router.get("/moments", dependencies=[READ, Depends(known_filters)], response_model=MomentsOut)
def list_moments(
    session: SessionDep,
    state: StateDep,
    since: Annotated[UtcDatetime | None, Query(description="created_at >= since (ISO 8601)")] = None,
    until: Annotated[UtcDatetime | None, Query(description="created_at < until (ISO 8601)")] = None,
    source: Annotated[str | None, Query(description="comments from this source only")] = None,
    taxonomy: Annotated[str | None, Query(description="default: the default taxonomy")] = None,
    segment: Annotated[
        str | None,
        Query(
            max_length=300,
            description="field:value of a field MOT_SEGMENT_FIELDS declares, e.g. airline:United",
        ),
    ] = None,
) -> MomentsOut:
    """Touchpoints of the newest `MOT_CLUSTER_MAX_COMMENTS` comments (by `created_at`, then id)
    of the taxonomy that pass the filters, ranked by impact. With ratings, each carries its
    rating drop and 95% interval, and is `fix first` only when that interval excludes 0."""
    settings = state.settings
    return moments_of(
        session,
        state.taxonomies,
        taxonomy,
        since,
        until,
        source,
        settings.rating_field,
        settings.cluster_max_comments,
        parse_segment(segment, settings.segment_fields),
    )
