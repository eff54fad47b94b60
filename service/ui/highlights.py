"""Highlights (亮点): what customers praise, beside the pain: touchpoints by positive mentions
and the clusters of positive comments, with the journey map's filters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.auth.guard import PAGE
from service.deps import SessionDep, StateDep
from service.domain.clusters import cluster_out, highlight_views, merged_trend
from service.domain.highlights import highlights
from service.ui.i18n import locale_of, names_of
from service.ui.params import MapViewDep, map_filters, query
from service.ui.render import page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])


@router.get("/highlights", response_class=HTMLResponse)
def highlights_page(
    request: Request,
    session: SessionDep,
    state: StateDep,
    view: MapViewDep,
) -> HTMLResponse:
    loc = locale_of(request)
    settings = state.settings
    period = view.period
    found = highlights(
        session, view.taxonomy, period.since, period.until, view.source, loc.names, view.segment
    )
    return page(
        request,
        "highlights.html",
        "highlights",
        loc.gettext("Highlights"),
        found=found,
        clusters=[(cluster_out(v), merged_trend(v)) for v in highlight_views(session)],
        names=names_of(view.taxonomy, loc),
        peak=max((t.positives for t in found.touchpoints), default=0),
        f=map_filters(session, state, view, loc),
        link=query(**view.params()),
        scope=settings.cluster_scope,
        enabled=settings.highlights,
    )
