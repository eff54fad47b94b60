"""The journey map's numbers: per stage and touchpoint, over a period and the one before it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from scipy.stats import binomtest
from sqlalchemy.orm import Session

from models.taxonomy import Taxonomy
from service.domain.errors import Invalid
from service.domain.taxonomies import TaxonomyRegistry, UnknownTaxonomy
from service.schemas import JourneyResponse, PeriodStats, StageStats, TouchpointStats
from service.store.comments import CommentFilter
from service.store.journey import Aggregate, earliest_time, stage_aggregates, touchpoint_aggregates

EMPTY = Aggregate(0, None, None)


def negative_interval(count: int, share: float | None) -> tuple[float | None, float | None]:
    """The 95% Wilson interval of a negative share: 2 of 3 reads 21% to 94%, not "67%"."""
    if not count or share is None:
        return None, None
    interval = binomtest(round(share * count), count).proportion_ci(method="wilson")
    return round(float(interval.low), 4), round(float(interval.high), 4)


def _touchpoint(aggregate: Aggregate) -> dict[str, object]:
    low, high = negative_interval(aggregate.count, aggregate.negative_share)
    negatives = round((aggregate.negative_share or 0.0) * aggregate.count)
    return {**aggregate.__dict__, "negative_low": low, "negative_high": high, "negatives": negatives}


def journey_of(
    session: Session,
    taxonomies: TaxonomyRegistry,
    taxonomy: str | None,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    compare: bool = False,
    language: str | None = None,
    segment: tuple[str, str] | None = None,
) -> JourneyResponse:
    """The journey map a client asked for (GET /v1/journey, its CSV export), checked first."""
    try:
        tax = taxonomies.get(taxonomy)
    except UnknownTaxonomy as exc:
        raise Invalid(exc.args[0]) from exc
    if since and until and since >= until:
        raise Invalid("since must be before until")
    if compare and not (since and until):
        raise Invalid("compare needs both since and until: the period to compare")
    if compare and since and until and since - datetime.min.replace(tzinfo=UTC) < until - since:
        raise Invalid("compare: the period before since would start before the year 1: shorten the period")
    return journey_map(session, tax, since, until, source, compare, language, segment)


def journey_map(
    session: Session,
    tax: Taxonomy,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    compare: bool = False,
    language: str | None = None,
    segment: tuple[str, str] | None = None,
) -> JourneyResponse:
    """Names are those a reader of `language` reads, where the taxonomy gives them.
    Aggregated in SQL (GROUP BY), never comment by comment: the map stays fast at any volume."""
    f = CommentFilter(since=since, until=until, source=source, taxonomy=tax.name, segment=segment)
    stages, touchpoints = stage_aggregates(session, f), touchpoint_aggregates(session, f)
    before: tuple[dict[str, Aggregate], dict[str, Aggregate]] | None = None
    previous_since = first = None
    if compare and since and until:
        previous_since = since - (until - since)
        earlier = replace(f, since=previous_since, until=since)
        before = stage_aggregates(session, earlier), touchpoint_aggregates(session, earlier)
        first = earliest_time(session, f)

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
        previous_complete=None if previous_since is None else _covers(first, previous_since),
        first_comment_at=first,
        stages=[
            StageStats(
                stage=s.id,
                name=s.name_in(language),
                **stages.get(s.id, EMPTY).__dict__,
                previous=previous(0, s.id),
                touchpoints=[
                    TouchpointStats(
                        touchpoint=tp.id,
                        name=tp.name_in(language),
                        **_touchpoint(touchpoints.get(tp.id, EMPTY)),
                        previous=previous(1, tp.id),
                    )
                    for tp in tax.touchpoints
                    if tp.stage == s.id
                ],
            )
            for s in tax.stages
        ],
    )


def _covers(first: datetime | None, start: datetime) -> bool:
    """Stored comments reach back to the period's start (none at all: nothing is partial)."""
    if first is None:
        return True
    if first.tzinfo is None:  # SQLite returns naive UTC
        first = first.replace(tzinfo=UTC)
    return first <= start
