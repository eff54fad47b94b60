"""Pain clusters: the list by pain, and one cluster's page with its triage actions (the forms
call the JSON API: PATCH, merge, touchpoint)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.auth.guard import PAGE
from service.deps import SessionDep, StateDep
from service.domain.clusters import (
    View,
    cluster_out,
    complaints_total,
    dominant_stage,
    merged_trend,
    ranked_views,
    themes_of,
    view_of,
    views,
)
from service.schemas import ClusterOut, ThemeOut
from service.store.clusters import comments_by_id, get_cluster, latest_refresh
from service.ui.actions import follow_up
from service.ui.i18n import locale_of, names_of, stage_options, touchpoint_options
from service.ui.params import blank, page_taxonomy, query
from service.ui.render import page
from service.web.ids import ClusterId

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])
STATUSES = ("new", "known", "resolved", "ignored")


def by_theme(ranked: list[View]) -> tuple[list[tuple[ClusterOut, list[dict], ThemeOut | None]], set[int]]:
    """The clusters theme by theme (themes in the order of their first cluster, clusters by
    rank within), each theme of several clusters announced by a row of its own."""
    by_id = {v.row.id: v for v in ranked}
    rows, grouped = [], set()
    for theme in themes_of(ranked):
        several = len(theme.clusters) > 1
        if several:
            grouped.add(theme.id)
        for i, cluster_id in enumerate(theme.clusters):
            view = by_id[cluster_id]
            rows.append((cluster_out(view), merged_trend(view), theme if several and i == 0 else None))
    return rows, grouped


@router.get("/clusters", response_class=HTMLResponse)
def clusters_page(
    request: Request,
    session: SessionDep,
    state: StateDep,
    status: str | None = None,
    stage: str | None = None,
    touchpoint: str | None = None,
    emerging: str | None = None,
) -> HTMLResponse:
    form = {
        "status": blank(status) if blank(status) in STATUSES else None,
        "stage": blank(stage),
        "touchpoint": blank(touchpoint),
        "emerging": "true" if blank(emerging) else None,
    }
    shown = ranked_views(
        session, form["status"], form["touchpoint"], form["stage"], True if form["emerging"] else None
    )
    rows, grouped = by_theme(shown)
    tax = page_taxonomy(session, state, None)  # the clustered comments' own, for names and filters
    refreshed = latest_refresh(session)
    loc = locale_of(request)
    _ = loc.gettext
    return page(
        request,
        "clusters.html",
        "clusters",
        _("Pain clusters"),
        clusters=rows,
        grouped=grouped,
        complaints=complaints_total(session, state.settings.cluster_scope),
        form=form,
        statuses=STATUSES,
        stages=stage_options(tax, loc),
        touchpoints=touchpoint_options(tax, loc),
        names=names_of(tax, loc),
        refreshed=refreshed,
        export=query(**form),
    )


@router.get("/clusters/{cluster_id}", response_class=HTMLResponse)
def cluster_page(
    cluster_id: ClusterId, request: Request, session: SessionDep, state: StateDep
) -> HTMLResponse:
    loc = locale_of(request)
    _ = loc.gettext
    row = get_cluster(session, cluster_id)
    if row is None:
        return page(
            request, "missing.html", "clusters", _("Not found"), 404, what=_("cluster %(id)s", id=cluster_id)
        )
    view = view_of(session, row)
    cluster = cluster_out(view)
    wanted = view.representatives
    texts = comments_by_id(session, wanted)
    tax = page_taxonomy(session, state, None)
    taxonomies = [(t.name, origin) for t, origin in state.taxonomies.items()]
    others = [cluster_out(v) for v in views(session) if v.row.id != row.id]
    return page(
        request,
        "cluster.html",
        "clusters",
        cluster.name or cluster.label,
        cluster=cluster,
        row=row,
        trend=merged_trend(view),
        representatives=[texts[i] for i in wanted if i in texts],
        stage=dominant_stage(cluster.stages),
        statuses=STATUSES,
        stages=stage_options(tax, loc),
        touchpoints=touchpoint_options(tax, loc),
        names=names_of(tax, loc),
        default_taxonomy=tax.name,
        save_as=tax.name if dict(taxonomies).get(tax.name) in ("api", "file") else f"{tax.name}_local",
        others=sorted(others, key=lambda c: -c.pain),
        merged_into=get_cluster(session, row.merged_into) if row.merged_into else None,
        follow=follow_up(session, "cluster", str(row.id)),
    )
