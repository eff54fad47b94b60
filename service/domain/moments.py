"""The moments of truth of stored comments (models/moments.py), as GET /v1/moments and the
Moments of truth page show them: the newest comments of one taxonomy that pass the filters,
each with the rating its metadata carries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models.moments import Mentioned, moments, uses_ratings
from models.taxonomy import Taxonomy
from service.domain.errors import Invalid
from service.domain.taxonomies import TaxonomyRegistry, UnknownTaxonomy
from service.schemas import MomentOut, MomentsOut
from service.store.comments import CommentFilter, latest_with_mentions


def rating_of(value: object) -> float | None:
    """A rating as metadata holds it (5, 4.5, "3"); anything else is no rating, so one bad value
    leaves that comment out of the rated ones instead of failing the whole ranking."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        rating = float(value)
    except ValueError:
        return None
    return rating if rating == rating and abs(rating) != float("inf") else None  # NaN, inf: none


def moments_of(
    session: Session,
    taxonomies: TaxonomyRegistry,
    taxonomy: str | None,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    rating_field: str,
    limit: int,
    segment: tuple[str, str] | None = None,
) -> MomentsOut:
    """The moments a client asked for, checked first: a taxonomy that is not there or a period
    that ends before it starts is refused, never answered with an empty ranking."""
    try:
        tax = taxonomies.get(taxonomy)
    except UnknownTaxonomy as exc:
        raise Invalid(exc.args[0]) from exc
    if since and until and since >= until:
        raise Invalid("since must be before until")
    return moments_in(session, tax, since, until, source, rating_field, limit, segment)


def moments_in(
    session: Session,
    tax: Taxonomy,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    rating_field: str,
    limit: int,
    segment: tuple[str, str] | None = None,
) -> MomentsOut:
    """Touchpoints of the newest `limit` comments (by created_at) of `tax` created in
    [since, until) and from `source` if given, ranked by impact."""
    f = CommentFilter(since=since, until=until, source=source, taxonomy=tax.name, segment=segment)
    mentioned = [
        Mentioned(
            rating_of((row.extra or {}).get(rating_field)),
            {m.touchpoint: m.sentiment == "negative" for m in row.mentions},
        )
        for row in latest_with_mentions(session, f, limit)
    ]
    ranked = moments(mentioned)
    return MomentsOut(
        rated=sum(m.rating is not None for m in mentioned),
        comments=len(mentioned),
        rating_field=rating_field,
        ranked_by="rating" if uses_ratings(mentioned) else "volume",
        taxonomy=tax.name,
        source=source,
        since=since,
        until=until,
        limit=limit,
        moments=[MomentOut(rank=i, **m.__dict__) for i, m in enumerate(ranked, start=1)],
    )
