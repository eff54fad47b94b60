"""Owners of touchpoints and clusters, actions taken on them with their measured effect, and
analysts' notes on clusters. Reading needs `read`; writing needs `triage`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.errors import refusals
from service.auth.guard import READ, TRIAGE
from service.auth.keys import Principal
from service.deps import SessionDep, SettingsDep, StateDep
from service.domain import actions
from service.schemas import ActionIn, ActionOut, NoteIn, NoteOut, OwnerIn, OwnerOut, SubjectKind
from service.store.actions import owners as stored_owners
from service.web.ids import ActionId, ClusterId

router = APIRouter(prefix="/v1", tags=["actions"])
Taxonomy = Annotated[str, Query(max_length=100, description="the touchpoint's taxonomy")]


@router.get(
    "/touchpoints/{taxonomy}/{touchpoint}/owner",
    dependencies=[READ],
    response_model=OwnerOut,
    responses=refusals(404, e404="no such taxonomy or touchpoint, or no owner yet"),
)
def touchpoint_owner(taxonomy: str, touchpoint: str, session: SessionDep, state: StateDep) -> OwnerOut:
    return actions.get_owner(session, state.taxonomies, "touchpoint", touchpoint, taxonomy)


@router.put(
    "/touchpoints/{taxonomy}/{touchpoint}/owner",
    response_model=OwnerOut,
    responses=refusals(404, e404="no such taxonomy or touchpoint"),
)
def set_touchpoint_owner(
    taxonomy: str, touchpoint: str, body: OwnerIn, state: StateDep, principal: Principal = TRIAGE
) -> OwnerOut:
    """Give a touchpoint an owner (a team and a contact), or change it."""
    with state.sessions.begin() as session:
        return actions.put_owner(
            session, state.taxonomies, "touchpoint", touchpoint, taxonomy, body, principal.name
        )


@router.get(
    "/clusters/{cluster_id}/owner",
    dependencies=[READ],
    response_model=OwnerOut,
    responses=refusals(404, e404="no such cluster, or no owner yet"),
)
def cluster_owner(cluster_id: ClusterId, session: SessionDep, state: StateDep) -> OwnerOut:
    return actions.get_owner(session, state.taxonomies, "cluster", str(cluster_id), None)


@router.put(
    "/clusters/{cluster_id}/owner", response_model=OwnerOut, responses=refusals(404, e404="no such cluster")
)
def set_cluster_owner(
    cluster_id: ClusterId, body: OwnerIn, state: StateDep, principal: Principal = TRIAGE
) -> OwnerOut:
    """Give a pain cluster an owner, or change it; kept across refreshes (the id is)."""
    with state.sessions.begin() as session:
        return actions.put_owner(
            session, state.taxonomies, "cluster", str(cluster_id), None, body, principal.name
        )


@router.get("/owners", dependencies=[READ], response_model=list[OwnerOut])
def list_owners(session: SessionDep, kind: SubjectKind | None = None) -> list[OwnerOut]:
    return [actions.owner_out(o) for o in stored_owners(session, kind)]


@router.post("/actions", response_model=ActionOut, status_code=201)
def record_action(body: ActionIn, state: StateDep, principal: Principal = TRIAGE) -> ActionOut:
    """Record what was done about a touchpoint or a cluster, and from when: GET /v1/actions/{id}
    then measures its effect on the comments before and after."""
    with state.sessions.begin() as session:
        return actions.record_action(session, state.taxonomies, body, principal.name)


@router.get("/actions", dependencies=[READ], response_model=list[ActionOut])
def list_actions(
    session: SessionDep,
    state: StateDep,
    kind: SubjectKind | None = None,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    taxonomy: Taxonomy | None = None,
) -> list[ActionOut]:
    """Newest first; `kind` and `subject` (with `taxonomy` for a touchpoint) narrow to one subject."""
    return actions.list_actions(session, state.taxonomies, kind, subject, taxonomy)


@router.get("/actions/{action_id}", dependencies=[READ], response_model=ActionOut, responses=refusals(404))
def get_action(action_id: ActionId, session: SessionDep, settings: SettingsDep) -> ActionOut:
    """The action with its effect: volume (against all comments' volume), negative share and
    rating (metadata[MOT_RATING_FIELD]) before and after, an interrupted time-series estimate
    with its 95% interval, and a verdict in words."""
    return actions.action_with_effect(session, action_id, settings.rating_field, settings.action_window_days)


@router.post("/clusters/{cluster_id}/notes", response_model=NoteOut, status_code=201, responses=refusals(404))
def add_note(cluster_id: ClusterId, body: NoteIn, state: StateDep, principal: Principal = TRIAGE) -> NoteOut:
    """Add a note to a cluster; notes are never edited, so they are its history."""
    with state.sessions.begin() as session:
        return actions.add_note(session, cluster_id, body.text, principal.name)


@router.get(
    "/clusters/{cluster_id}/notes", dependencies=[READ], response_model=list[NoteOut], responses=refusals(404)
)
def cluster_notes(cluster_id: ClusterId, session: SessionDep) -> list[NoteOut]:
    """Newest first."""
    return actions.notes(session, cluster_id)
