"""Highlights (亮点): what customers praise, beside the pain: touchpoints by positive mentions
and the clusters of positive comments, with the journey map's filters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.auth.guard import PAGE
from service.deps import SessionDep, StateDep
from service.domain.clusters import cluster_out, highlight_views, merged_trend
from service.domain.highlights import highlights
from service.domain.segments import segment_options
from service.store.journey import sources
from service.ui.i18n import locale_of, names_of
from service.ui.params import blank, page_segment, page_taxonomy, query, window, windows
from service.ui.render import page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])


@router.get("/highlights", response_class=HTMLResponse)
def highlights_page(
    request: Request,
    session: SessionDep,
    state: StateDep,
    taxonomy: str | None = None,
    source: str | None = None,
    days: str | None = None,
    end: str | None = None,
    segment: str | None = None,
) -> HTMLResponse:
    loc = locale_of(request)
    settings = state.settings
    period = window(session, days, end, settings.journey_window_days)
    tax = page_taxonomy(session, state, taxonomy, period.since, period.until)
    chosen_source = blank(source)
    chosen = page_segment(segment, settings.segment_fields)
    found = highlights(session, tax, period.since, period.until, chosen_source, loc.names, chosen)
    filters = {
        "taxonomy": tax.name,
        "source": chosen_source,
        **period.params(),
        "segment": f"{chosen[0]}:{chosen[1]}" if chosen else None,
    }
    return page(
        request,
        "highlights.html",
        "highlights",
        loc.gettext("Highlights"),
        found=found,
        clusters=[(cluster_out(v), merged_trend(v)) for v in highlight_views(session)],
        names=names_of(tax, loc),
        peak=max((t.positives for t in found.touchpoints), default=0),
        taxonomies=sorted(t.name for t, _origin in state.taxonomies.items()),
        sources=sources(session),
        segments=segment_options(session, settings.segment_fields),
        fields=settings.segment_fields,
        windows=windows(settings.journey_window_days, loc),
        period=period,
        filters=filters,
        link=query(**filters),
        scope=settings.cluster_scope,
        enabled=settings.highlights,
    )
