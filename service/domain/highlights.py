"""Highlights beside the pain (亮点 next to 痛点): the touchpoints customers praise most and
the clusters of their positive comments (found by the same refresh as the pain clusters)."""

from __future__ import annotations

from datetime import datetime

from scipy.stats import binomtest
from sqlalchemy.orm import Session

from models.taxonomy import Taxonomy
from service.domain.clusters import cluster_out, highlight_views
from service.schemas import HighlightsOut, PraisedTouchpoint
from service.store.comments import CommentFilter
from service.store.journey import touchpoint_praise


def highlights(
    session: Session,
    tax: Taxonomy,
    since: datetime | None,
    until: datetime | None,
    source: str | None = None,
    language: str | None = None,
    segment: tuple[str, str] | None = None,
) -> HighlightsOut:
    """Touchpoints by positive mentions (with the 95% Wilson interval of their positive share),
    and the praise clusters, largest first."""
    f = CommentFilter(since=since, until=until, source=source, taxonomy=tax.name, segment=segment)
    praise = touchpoint_praise(session, f)
    praised = []
    for tp in tax.touchpoints:
        mentions, positives = praise.get(tp.id, (0, 0))
        if not positives:
            continue
        interval = binomtest(positives, mentions).proportion_ci(method="wilson")
        praised.append(
            PraisedTouchpoint(
                touchpoint=tp.id,
                name=tp.name_in(language),
                stage=tp.stage,
                mentions=mentions,
                positives=positives,
                positive_share=round(positives / mentions, 4),
                positive_low=round(float(interval.low), 4),
                positive_high=round(float(interval.high), 4),
            )
        )
    praised.sort(key=lambda p: (-p.positives, p.touchpoint))
    return HighlightsOut(
        taxonomy=tax.name,
        since=since,
        until=until,
        touchpoints=praised,
        clusters=[cluster_out(v) for v in highlight_views(session)],
    )
