"""From a pain point to a fix: who owns a touchpoint or a cluster, what was done about it and
from when, analysts' notes, and whether the action worked: its subject's volume, negative share
and rating before and after, estimated by models/effect.py on the stored comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from models.effect import Series, describe, estimate_effect
from service.domain.clusters import cluster_row, members_of
from service.domain.errors import Invalid, NotFound
from service.domain.taxonomies import TaxonomyRegistry, UnknownTaxonomy
from service.schemas import ActionIn, ActionOut, EffectOut, MetricEffect, NoteOut, OwnerIn, OwnerOut
from service.store import actions as store
from service.store.tables import Action, ClusterNote, Owner


def subject_key(
    session: Session, taxonomies: TaxonomyRegistry, kind: str, subject: str, taxonomy: str | None
) -> tuple[str, str]:
    """(taxonomy, subject) as stored, once the subject is known to exist: a touchpoint of the
    taxonomy (default: the default one), or a cluster ("" as its taxonomy)."""
    if kind == "cluster":
        if taxonomy is not None:
            raise Invalid("a cluster has no taxonomy: leave taxonomy out")
        if not subject.isdigit():
            raise Invalid(f"cluster {subject!r}: give the cluster's id, a whole number")
        cluster_row(session, int(subject))  # NotFound if there is none
        return "", subject
    try:
        tax = taxonomies.get(taxonomy)
    except UnknownTaxonomy as exc:
        raise NotFound(exc.args[0]) from exc
    known = [tp.id for tp in tax.touchpoints]
    if subject not in known:
        raise NotFound(f"touchpoint {subject!r} is not in taxonomy {tax.name!r}: use one of {known}")
    return tax.name, subject


def owner_out(owner: Owner) -> OwnerOut:
    return OwnerOut(
        kind=owner.kind,  # type: ignore[arg-type]
        taxonomy=owner.taxonomy or None,
        subject=owner.subject,
        team=owner.team,
        contact=owner.contact,
        updated_by=owner.updated_by,
        updated_at=owner.updated_at,
    )


def get_owner(
    session: Session, taxonomies: TaxonomyRegistry, kind: str, subject: str, taxonomy: str | None
) -> OwnerOut:
    key = subject_key(session, taxonomies, kind, subject, taxonomy)
    found = store.owner_of(session, kind, *key)
    if found is None:
        raise NotFound(f"no owner for {kind} {subject!r} yet: PUT one")
    return owner_out(found)


def put_owner(
    session: Session,
    taxonomies: TaxonomyRegistry,
    kind: str,
    subject: str,
    taxonomy: str | None,
    body: OwnerIn,
    by: str,
) -> OwnerOut:
    key = subject_key(session, taxonomies, kind, subject, taxonomy)
    return owner_out(store.set_owner(session, kind, *key, body.team, body.contact, by, datetime.now(UTC)))


def action_out(action: Action, effect: EffectOut | None = None) -> ActionOut:
    return ActionOut(
        id=action.id,
        kind=action.kind,  # type: ignore[arg-type]
        taxonomy=action.taxonomy or None,
        subject=action.subject,
        what=action.what,
        done_by=action.done_by,
        started_at=action.started_at,
        recorded_by=action.recorded_by,
        created_at=action.created_at,
        effect=effect,
    )


def record_action(session: Session, taxonomies: TaxonomyRegistry, body: ActionIn, by: str) -> ActionOut:
    try:
        taxonomy, subject = subject_key(session, taxonomies, body.kind, body.subject, body.taxonomy)
    except NotFound as exc:  # in the body, not the path: the request is what needs fixing
        raise Invalid(exc.args[0]) from exc
    action = Action(
        kind=body.kind,
        taxonomy=taxonomy,
        subject=subject,
        what=body.what,
        done_by=body.done_by,
        started_at=body.started_at,
        recorded_by=by,
        created_at=datetime.now(UTC),
    )
    return action_out(store.add_action(session, action))


def list_actions(
    session: Session,
    taxonomies: TaxonomyRegistry,
    kind: str | None,
    subject: str | None,
    taxonomy: str | None,
) -> list[ActionOut]:
    """Filters only: a subject nothing was done about (or that does not exist) lists nothing.
    A touchpoint is of `taxonomy`, by default the default one; a cluster has none."""
    if kind == "cluster":
        taxonomy = ""
    elif kind == "touchpoint" and taxonomy is None:
        taxonomy = taxonomies.default
    return [action_out(a) for a in store.actions(session, kind, taxonomy, subject)]


def action_with_effect(session: Session, action_id: int, rating_field: str, window_days: int) -> ActionOut:
    action = store.get_action(session, action_id)
    if action is None:
        raise NotFound(f"no action {action_id}")
    return action_out(action, measure(session, action, rating_field, window_days))


def series_of(session: Session, action: Action, rating_field: str, window_days: int) -> tuple[Series, date]:
    """The per-day series of the action's subject around its start (`window_days` either side,
    MOT_ACTION_WINDOW_DAYS), every day present, and the day it started."""
    start = action.started_at.astimezone(UTC).date()
    since = datetime.combine(start - timedelta(days=window_days), time(), tzinfo=UTC)
    until = datetime.combine(start + timedelta(days=window_days), time(), tzinfo=UTC)
    if action.kind == "cluster":
        members = members_of(session, int(action.subject))
        days = store.daily_subject(session, since, until, rating_field, clusters=members)
    else:
        days = store.daily_subject(
            session, since, until, rating_field, taxonomy=action.taxonomy, touchpoint=action.subject
        )
    volume = store.daily_volume(session, since, until)
    # from the first day anything was stored (a store younger than the window has no "before"
    # days of zeros) to the last, every day in between present
    first = min([*volume, start])
    last = max([*days, *volume, start])
    periods = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    empty = store.DayCounts(0, 0, 0.0, 0)
    counts = [days.get(p, empty) for p in periods]
    series = Series(
        periods=tuple(periods),
        mentions=tuple(c.mentions for c in counts),
        negatives=tuple(c.negatives for c in counts),
        total=tuple(volume.get(p, 0) for p in periods),
        rating_sum=tuple(c.rating_sum for c in counts),
        rating_count=tuple(c.rating_count for c in counts),
    )
    return series, start


def measure(session: Session, action: Action, rating_field: str, window_days: int) -> EffectOut:
    """The action's effect on the comments stored around it, one UTC day per period."""
    return effect_out(*series_of(session, action, rating_field, window_days), window_days)


def effect_out(series: Series, start: date, window_days: int) -> EffectOut:
    effect = estimate_effect(series, start, pre_periods=window_days)
    return EffectOut(
        periods_before=effect.pre_periods,
        periods_after=effect.post_periods,
        metrics=[
            MetricEffect(
                metric=m.metric.replace(" ", "_"),  # type: ignore[arg-type]
                before=m.before,
                after=m.after,
                effect=m.effect,
                ci_low=m.low,
                ci_high=m.high,
                verdict=m.verdict.value,  # type: ignore[arg-type]
                summary=describe(m, start),
            )
            for m in (effect.negative_share, effect.volume, effect.rating)
        ],
    )


def note_out(note: ClusterNote) -> NoteOut:
    return NoteOut(
        id=note.id, cluster_id=note.cluster_id, text=note.text, author=note.author, created_at=note.created_at
    )


def add_note(session: Session, cluster_id: int, text: str, by: str) -> NoteOut:
    cluster_row(session, cluster_id)
    note = ClusterNote(cluster_id=cluster_id, text=text, author=by, created_at=datetime.now(UTC))
    return note_out(store.add_note(session, note))


def notes(session: Session, cluster_id: int) -> list[NoteOut]:
    cluster_row(session, cluster_id)
    return [note_out(n) for n in store.notes_of(session, cluster_id)]
