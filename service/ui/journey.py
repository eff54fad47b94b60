"""The journey map (the page analysts open first) and a touchpoint's page: its numbers, trend,
pain clusters and comments."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from models.taxonomy import Taxonomy
from service.auth.guard import PAGE
from service.deps import SessionDep, StateDep
from service.domain.clusters import View, cluster_out, complaints_total, merged_trend, ranked_views
from service.domain.journey import journey_map
from service.schemas import JourneyResponse
from service.store.clusters import emerging_trends, touchpoint_trend
from service.store.comments import CommentFilter, page_comments
from service.store.journey import touchpoint_praise
from service.ui.actions import follow_up
from service.ui.cards import comment_cards
from service.ui.i18n import locale_of, names_of
from service.ui.params import MapViewDep, blank, map_filters, page_segment, page_taxonomy, query, window
from service.ui.render import page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])
LATEST = 10  # comments on a touchpoint's page; the explorer has them all
# A card whose negative share's 95% interval is wider than this (about 30 mentions or fewer at
# half negative) is dashed and shows the interval: "67%" of 3 mentions says little.
UNCERTAIN_WIDTH = 0.3
MIX_SHARE = 0.2  # a cluster is about a touchpoint that a fifth of its comments name


def _about(view: View, touchpoint: str) -> bool:
    """Best match, the analyst's link, or a large part of its comments: an unnamed cluster of
    cancelled flights still belongs on the cancellations page."""
    named = sum(p.touchpoints.get(touchpoint, 0) for p in view.parts)
    return touchpoint in (view.row.touchpoint, view.row.linked_touchpoint) or named >= MIX_SHARE * view.size


def _emerging_touchpoints(session: Session, scope: str) -> dict[str, list[str]]:
    return {r.touchpoint: r.reasons for r in emerging_trends(session, scope)}


@router.get("/", response_class=HTMLResponse)
def journey_page(
    request: Request,
    session: SessionDep,
    state: StateDep,
    view: MapViewDep,
) -> HTMLResponse:
    loc = locale_of(request)
    period, tax, chosen_source, chosen = view.period, view.taxonomy, view.source, view.segment
    journey = journey_map(
        session,
        tax,
        period.since,
        period.until,
        chosen_source,
        period.previous is not None,
        loc.names,
        chosen,
    )
    return page(
        request,
        "journey.html",
        "journey",
        loc.gettext("Journey map"),
        journey=journey,
        names=names_of(tax, loc),
        peak=_peak(journey),
        peak_negatives=max((t.negatives for s in journey.stages for t in s.touchpoints), default=0),
        uncertain_width=UNCERTAIN_WIDTH,
        emerging=_emerging_touchpoints(session, state.settings.cluster_scope),
        praised=_praised(session, tax, period.since, period.until, chosen_source, chosen),
        f=map_filters(session, state, view, loc),
        fields=state.settings.segment_fields,
        period=period,
        link=query(**view.params()),
        export=query(
            taxonomy=tax.name,
            source=chosen_source,
            segment=_text(chosen),
            since=period.since.isoformat() if period.since else None,
            until=period.until.isoformat() if period.until else None,
            compare=period.previous is not None,
        ),
    )


PRAISED = 3  # cards marked as the most praised: the highlights page has them all


def _praised(session: Session, tax: Taxonomy, since, until, source, segment) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The touchpoints with the most positive mentions, and how many."""
    praise = touchpoint_praise(
        session, CommentFilter(since=since, until=until, source=source, taxonomy=tax.name, segment=segment)
    )
    ranked = sorted(((pos, tp) for tp, (_n, pos) in praise.items() if pos), reverse=True)[:PRAISED]
    return {tp: pos for pos, tp in ranked}


def _text(segment: tuple[str, str] | None) -> str | None:
    return f"{segment[0]}:{segment[1]}" if segment else None


def _peak(journey: JourneyResponse) -> int:
    return max((t.count for s in journey.stages for t in s.touchpoints), default=0)


@router.get("/touchpoints/{touchpoint}", response_class=HTMLResponse)
def touchpoint_page(
    touchpoint: str,
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
    _ = loc.gettext
    tax = page_taxonomy(session, state, taxonomy)
    chosen = page_segment(segment, state.settings.segment_fields)
    known = {tp.id: tp for tp in tax.touchpoints}
    if touchpoint not in known:
        return page(
            request,
            "missing.html",
            "journey",
            _("Not found"),
            404,
            what=_("touchpoint “%(touchpoint)s” in %(taxonomy)s", touchpoint=touchpoint, taxonomy=tax.name),
        )
    period = window(session, days, end, state.settings.journey_window_days)
    chosen_source = blank(source)
    journey = journey_map(
        session,
        tax,
        period.since,
        period.until,
        chosen_source,
        period.previous is not None,
        loc.names,
        chosen,
    )
    stats = next(t for s in journey.stages for t in s.touchpoints if t.touchpoint == touchpoint)
    f = CommentFilter(
        since=period.since,
        until=period.until,
        touchpoint=touchpoint,
        source=chosen_source,
        taxonomy=tax.name,
        segment=chosen,
    )
    comments, _ = page_comments(session, f, min(LATEST, state.settings.ui_page_size), None)
    cards = comment_cards(session, state, comments, loc=loc)
    trend = touchpoint_trend(session, touchpoint, state.settings.cluster_scope)
    clusters = [
        (cluster_out(v), merged_trend(v), None) for v in ranked_views(session) if _about(v, touchpoint)
    ]
    filters = {"taxonomy": tax.name, "source": chosen_source, **period.params(), "segment": _text(chosen)}
    return page(
        request,
        "touchpoint.html",
        "journey",
        known[touchpoint].name_in(loc.names),
        touchpoint=known[touchpoint],
        stage=next(s for s in tax.stages if s.id == known[touchpoint].stage),
        stats=stats,
        journey=journey,
        period=period,
        trend=trend,
        scope=state.settings.cluster_scope,
        clusters=clusters,
        complaints=complaints_total(session, state.settings.cluster_scope),
        follow=follow_up(session, "touchpoint", touchpoint, tax.name),
        names=names_of(tax, loc),
        comments=cards,
        back=query(**filters),
        explorer=query(
            touchpoint=touchpoint,
            taxonomy=tax.name,
            source=chosen_source,
            since=period.since.date().isoformat() if period.since else None,
            until=(period.end.isoformat() if period.end and period.days else None),
            segment=_text(chosen),
        ),
    )
