"""GET /v1/moments: the moments of truth, touchpoints ranked by their impact on the rating that
comments carry in `metadata[MOT_RATING_FIELD]` (else by volume × negativity)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from models.moments import Mentioned, moments
from service.auth.guard import READ
from service.common.times import UtcDatetime
from service.deps import SessionDep, SettingsDep
from service.schemas import MomentOut, MomentsOut
from service.store.comments import latest_with_mentions

router = APIRouter(prefix="/v1", tags=["moments"])


def _rating(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None  # a rating that is not a number is left out, not an error of the whole page


@router.get("/moments", dependencies=[READ], response_model=MomentsOut)
def list_moments(
    session: SessionDep,
    settings: SettingsDep,
    since: Annotated[UtcDatetime | None, Query(description="created_at >= since")] = None,
    taxonomy: str | None = None,
) -> MomentsOut:
    rows = latest_with_mentions(session, since, taxonomy, settings.cluster_max_comments)
    mentioned = [
        Mentioned(
            _rating((row.extra or {}).get(settings.rating_field)),
            {m.touchpoint: m.sentiment == "negative" for m in row.mentions},
        )
        for row in rows
    ]
    ranked = moments(mentioned)
    return MomentsOut(
        rated=sum(m.rating is not None for m in mentioned),
        comments=len(mentioned),
        rating_field=settings.rating_field,
        moments=[MomentOut(rank=i, **m.__dict__) for i, m in enumerate(ranked, start=1)],
    )
