"""Segments side by side: for one declared metadata field (MOT_SEGMENT_FIELDS), its commonest
values as columns and the taxonomy's touchpoints as rows, each cell a touchpoint's mentions and
negative share in that segment: where one airline, channel or region hurts more than another."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.auth.guard import PAGE
from service.deps import SessionDep, StateDep
from service.domain.segments import compare
from service.ui.i18n import locale_of
from service.ui.params import blank, page_taxonomy, window, windows
from service.ui.render import page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])


@router.get("/segments", response_class=HTMLResponse)
def segments_page(
    request: Request,
    session: SessionDep,
    state: StateDep,
    field: str | None = None,
    taxonomy: str | None = None,
    days: str | None = None,
    end: str | None = None,
) -> HTMLResponse:
    loc = locale_of(request)
    fields = state.settings.segment_fields
    period = window(session, days, end, state.settings.journey_window_days)
    tax = page_taxonomy(session, state, taxonomy, period.since, period.until)
    chosen = blank(field) if blank(field) in fields else (fields[0] if fields else None)
    table = (
        compare(session, tax, chosen, fields, period.since, period.until, None, loc.names) if chosen else None
    )
    return page(
        request,
        "segments.html",
        "journey",
        loc.gettext("Segments"),
        table=table,
        fields=fields,
        chosen=chosen,
        taxonomies=sorted(t.name for t, _origin in state.taxonomies.items()),
        taxonomy=tax.name,
        windows=windows(state.settings.journey_window_days, loc),
        period=period,
    )
