"""An action's page (what was done, by whom, from when, and whether it worked), and the owner,
actions and notes that a touchpoint's or a cluster's page shows beside its numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from service.auth.guard import PAGE
from service.deps import SessionDep, StateDep
from service.domain.actions import action_out, effect_out, note_out, owner_out, series_of
from service.schemas import ActionOut, NoteOut, OwnerOut
from service.store import actions as store
from service.store.clusters import get_cluster
from service.ui.i18n import locale_of, names_of
from service.ui.params import taxonomy_or_default
from service.ui.render import page
from service.web.ids import ActionId

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])


@dataclass(frozen=True)
class FollowUp:
    """Who owns a subject, what was done about it, and (clusters) the analysts' notes."""

    kind: str
    subject: str
    taxonomy: str | None
    owner: OwnerOut | None
    actions: list[ActionOut]
    notes: list[NoteOut] = field(default_factory=list)


def follow_up(session: Session, kind: str, subject: str, taxonomy: str | None = None) -> FollowUp:
    owner = store.owner_of(session, kind, taxonomy or "", subject)
    return FollowUp(
        kind=kind,
        subject=subject,
        taxonomy=taxonomy,
        owner=owner_out(owner) if owner else None,
        actions=[action_out(a) for a in store.actions(session, kind, taxonomy or "", subject)],
        notes=[note_out(n) for n in store.notes_of(session, int(subject))] if kind == "cluster" else [],
    )


@router.get("/actions/{action_id}", response_class=HTMLResponse)
def action_page(action_id: ActionId, request: Request, session: SessionDep, state: StateDep) -> HTMLResponse:
    loc = locale_of(request)
    _ = loc.gettext
    action = store.get_action(session, action_id)
    if action is None:
        return page(
            request, "missing.html", "journey", _("Not found"), 404, what=_("action %(id)s", id=action_id)
        )
    window = state.settings.action_window_days
    series, start = series_of(session, action, state.settings.rating_field, window)
    effect = effect_out(series, start, window)
    shares = [n / m if m else None for n, m in zip(series.negatives, series.mentions)]
    start_index = next((i for i, p in enumerate(series.periods) if p >= start), len(series.periods))
    if action.kind == "cluster":
        cluster = get_cluster(session, int(action.subject))
        subject_name = (cluster.name or cluster.label) if cluster else _("cluster %(id)s", id=action.subject)
        subject_link = f"/ui/clusters/{action.subject}"
    else:
        tax = taxonomy_or_default(state, action.taxonomy)
        subject_name = names_of(tax, loc).get(action.subject, action.subject)
        subject_link = f"/ui/touchpoints/{action.subject}?taxonomy={tax.name}"
    return page(
        request,
        "action.html",
        "journey" if action.kind == "touchpoint" else "clusters",
        action.what,
        action=action_out(action, effect),
        subject_name=subject_name,
        subject_link=subject_link,
        owner=follow_up(session, action.kind, action.subject, action.taxonomy or None).owner,
        periods=[p.isoformat() for p in series.periods],
        shares=shares,
        start_index=start_index,
    )
