"""Pain clusters: list (sorted by pain), detail with trend and representatives, the analyst's
name/status/link, on-demand refresh, and the emerging ones."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.taxonomy import TaxonomyError, Touchpoint
from service.api.errors import refusals
from service.api.ids import ClusterId
from service.api.jobs import job_out
from service.auth.guard import READ, TRIAGE
from service.deps import SessionDep, SettingsDep, StateDep
from service.schemas import (
    ClusterDetail,
    ClusterOut,
    ClusterPatch,
    ClusterStatus,
    EmergingOut,
    JobOut,
    MergeClusters,
    PromoteCluster,
    Representative,
    TouchpointTrendOut,
)
from service.store.tables import Comment, PainCluster, TouchpointTrend
from service.taxonomies import UnknownTaxonomy

router = APIRouter(prefix="/v1", tags=["clusters"])


def pain(size: int, negative_share: float, growth: float) -> float:
    return round(size * negative_share * max(growth, 1.0), 3)


@dataclass(frozen=True)
class View:
    """A cluster as analysts see it: with the clusters merged into it."""

    row: PainCluster
    parts: list[PainCluster]  # row first, then the merged ones

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)

    @property
    def negative_share(self) -> float:
        return round(sum(p.size * p.negative_share for p in self.parts) / max(self.size, 1), 4)

    @property
    def growth(self) -> float:
        return max(p.growth for p in self.parts)

    @property
    def pain(self) -> float:
        return pain(self.size, self.negative_share, self.growth)


def views(session: Session, only: int | None = None) -> list[View]:
    """Active clusters, each with the active clusters merged into it (a merge survives refreshes:
    the merged cluster keeps its own id and centre, and is shown as part of the other)."""
    rows = session.scalars(select(PainCluster).where(PainCluster.active).order_by(PainCluster.id)).all()
    active = {r.id: r for r in rows}
    children: dict[int, list[PainCluster]] = {}
    for r in rows:
        if r.merged_into in active:
            children.setdefault(r.merged_into, []).append(r)
    shown = [r for r in rows if r.merged_into not in active and (only is None or r.id == only)]
    return [View(r, [r, *children.get(r.id, [])]) for r in shown]


def view_of(session: Session, row: PainCluster) -> View:
    """The cluster as shown; a merged or inactive one alone."""
    found = views(session, only=row.id) if row.active else []
    return found[0] if found else View(row, [row])


def cluster_out(view: View) -> ClusterOut:
    row = view.row
    return ClusterOut(
        id=row.id,
        label=row.label,
        name=row.name,
        status=row.status,
        keywords=row.keywords,
        size=view.size,
        negative_share=view.negative_share,
        mean_sentiment=round(sum(p.size * p.mean_sentiment for p in view.parts) / max(view.size, 1), 4),
        touchpoint=row.touchpoint,
        linked_touchpoint=row.linked_touchpoint,
        touchpoints=_sum(p.touchpoints for p in view.parts),
        stages=_sum(p.stages for p in view.parts),
        emerging=any(p.emerging for p in view.parts),
        reasons=[reason for p in view.parts for reason in p.reasons],
        growth=view.growth,
        pain=view.pain,
        merged=[p.id for p in view.parts[1:]],
        refreshed_at=row.refreshed_at,
    )


def _sum(mixes) -> dict[str, int]:
    total: Counter[str] = Counter()
    for mix in mixes:
        total.update(mix)
    return dict(total.most_common())


@router.get("/clusters", dependencies=[READ], response_model=list[ClusterOut])
def list_clusters(
    session: SessionDep,
    cluster_status: Annotated[ClusterStatus | None, Query(alias="status")] = None,
    touchpoint: Annotated[
        str | None,
        Query(description='best taxonomy match or the analyst\'s linked touchpoint; "new" for unnamed pain'),
    ] = None,
    stage: Annotated[str | None, Query(description="the stage most of its comments are in")] = None,
    emerging: bool | None = None,
    min_size: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ClusterOut]:
    """Active clusters of the latest refresh, most painful first (size x negativity x growth)."""
    return [
        cluster_out(v) for v in ranked_views(session, cluster_status, touchpoint, stage, emerging, min_size)
    ][:limit]


def dominant_stage(stages: dict[str, int]) -> str | None:
    """The stage most of a cluster's comments are in: its place in the journey."""
    return max(stages, key=stages.__getitem__) if stages else None


def ranked_views(
    session: Session,
    cluster_status: str | None = None,
    touchpoint: str | None = None,
    stage: str | None = None,
    emerging: bool | None = None,
    min_size: int = 1,
) -> list[View]:
    """The clusters as shown, filtered, most painful first: the list, the web UI and exports."""

    def keep(v: View) -> bool:
        return (
            v.size >= min_size
            and (cluster_status is None or v.row.status == cluster_status)
            and (touchpoint is None or touchpoint in (v.row.touchpoint, v.row.linked_touchpoint))
            and (stage is None or dominant_stage(_sum(p.stages for p in v.parts)) == stage)
            and (emerging is None or any(p.emerging for p in v.parts) == emerging)
        )

    return sorted(filter(keep, views(session)), key=lambda v: (-v.pain, v.row.id))


@router.get("/emerging", dependencies=[READ], response_model=EmergingOut)
def list_emerging(session: SessionDep, settings: SettingsDep) -> EmergingOut:
    """Clusters and touchpoints flagged emerging by the latest refresh, each with the numbers
    behind its flags."""
    clusters = sorted(
        (c for c in map(cluster_out, views(session)) if c.emerging), key=lambda c: (-c.pain, c.id)
    )
    touchpoints = session.scalars(
        select(TouchpointTrend)
        .where(TouchpointTrend.emerging, TouchpointTrend.scope == settings.cluster_scope)
        .order_by(TouchpointTrend.touchpoint)
    ).all()
    return EmergingOut(
        clusters=clusters,
        touchpoints=[
            TouchpointTrendOut(touchpoint=t.touchpoint, emerging=t.emerging, reasons=t.reasons, trend=t.trend)
            for t in touchpoints
        ],
    )


def _get(session, cluster_id: int) -> PainCluster:
    row = session.get(PainCluster, cluster_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no cluster {cluster_id}")
    return row


def members_of(session: Session, cluster_id: int) -> list[int]:
    """The cluster ids whose comments belong to `cluster_id` as shown: itself and those merged in."""
    merged = session.scalars(select(PainCluster.id).where(PainCluster.merged_into == cluster_id)).all()
    return [cluster_id, *merged]


@router.get(
    "/clusters/{cluster_id}", dependencies=[READ], response_model=ClusterDetail, responses=refusals(404)
)
def get_cluster(cluster_id: ClusterId, session: SessionDep) -> ClusterDetail:
    row = _get(session, cluster_id)
    view = view_of(session, row)
    wanted = [i for p in view.parts for i in p.representatives]
    comments = {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(wanted))).all()}
    representatives = [
        Representative(comment_id=i, text=comments[i].text, created_at=comments[i].created_at)
        for i in row.representatives
        if i in comments
    ]
    return ClusterDetail(
        **cluster_out(view).model_dump(), trend=merged_trend(view), representatives=representatives
    )


def merged_trend(view: View) -> list[dict]:
    """The cluster's counts per period, those of the clusters merged into it added in."""
    trend: dict[str, dict] = {}
    for part in view.parts:
        for point in part.trend:
            into = trend.setdefault(point["period"], {**point, "count": 0, "share": 0.0})
            into["count"] += point["count"]
            into["share"] = round(into["share"] + point["share"], 5)
            into["flagged"] = into["flagged"] or point["flagged"]
    return sorted(trend.values(), key=lambda p: p["period"])


@router.post(
    "/clusters/{cluster_id}/merge", dependencies=[TRIAGE], response_model=ClusterOut, responses=refusals(404)
)
def merge_cluster(cluster_id: ClusterId, body: MergeClusters, state: StateDep) -> ClusterOut:
    """Show this cluster as part of another (the analyst's call that they are one pain point).
    Both keep their ids, so refreshes keep finding each, and the merge holds."""
    with state.sessions.begin() as session:
        row, target = _get(session, cluster_id), _get(session, body.into)
        while target.merged_into is not None:  # merge into the cluster that is shown
            target = _get(session, target.merged_into)
        if target.id == row.id:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "a cluster cannot be merged into itself"
            )
        for child in session.scalars(select(PainCluster).where(PainCluster.merged_into == row.id)):
            child.merged_into = target.id
        row.merged_into = target.id
        session.flush()
        return cluster_out(view_of(session, target))


@router.patch(
    "/clusters/{cluster_id}", dependencies=[TRIAGE], response_model=ClusterOut, responses=refusals(404)
)
def patch_cluster(cluster_id: ClusterId, body: ClusterPatch, state: StateDep) -> ClusterOut:
    """Name a cluster, set its status, or link it to a touchpoint; kept across refreshes."""
    with state.sessions.begin() as session:
        row = _get(session, cluster_id)
        if body.linked_touchpoint is not None:
            known = {tp.id for tp in state.taxonomies.get(None).touchpoints}
            if body.linked_touchpoint not in known:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    f"touchpoint {body.linked_touchpoint!r} is not in the default taxonomy: use one of {sorted(known)}",
                )
        for field in body.model_fields_set:
            setattr(row, field, getattr(body, field))
        session.flush()
        return cluster_out(view_of(session, row))


@router.post(
    "/clusters/refresh", dependencies=[TRIAGE], response_model=JobOut, status_code=status.HTTP_202_ACCEPTED
)
def refresh_clusters(state: StateDep) -> JobOut:
    """Re-cluster the stored comments now, in the background; follow the job at /v1/jobs/{id}."""
    return job_out(state.start_cluster_refresh())


@router.post(
    "/clusters/{cluster_id}/touchpoint",
    dependencies=[TRIAGE],
    response_model=ClusterOut,
    responses=refusals(404, 409, e404="no such cluster or taxonomy", e409="the touchpoint exists"),
)
def promote_cluster(cluster_id: ClusterId, body: PromoteCluster, state: StateDep) -> ClusterOut:
    """Name an unnamed pain point for good: add it as a touchpoint whose description is the
    cluster's keywords and whose examples are its comments closest to the centre; the cluster is
    then linked to it and marked known. Zero-shot classification uses it at once."""
    try:
        base = state.taxonomies.get(body.taxonomy)
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from exc
    if body.id in {tp.id for tp in base.touchpoints}:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"taxonomy {base.name!r} already has a touchpoint {body.id!r}"
        )
    with state.sessions.begin() as session:
        row = _get(session, cluster_id)
        order = {comment_id: rank for rank, comment_id in enumerate(row.representatives)}
        members = session.scalars(
            select(Comment).where(Comment.cluster_id == cluster_id).order_by(Comment.id).limit(1000)
        ).all()
        chosen = sorted(members, key=lambda c: order.get(c.id, len(order)))[: body.examples]
        touchpoint = Touchpoint(
            id=body.id,
            name=body.name,
            stage=body.stage,
            description=f"{row.name or body.name}: {', '.join(row.keywords[:8])}",
            examples=[c.text for c in chosen],
        )
        try:
            extended = base.model_copy(update={"touchpoints": [*base.touchpoints, touchpoint]})
            extended = type(base).model_validate(
                {**extended.model_dump(), "name": body.save_as or base.name}
            )  # validates the stage and the ids again
            state.register_taxonomy(extended)
        except (TaxonomyError, ValueError) as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"cannot add the touchpoint: {exc}"
            ) from exc
        row.linked_touchpoint = body.id
        row.status = "known"
        session.flush()
        return cluster_out(view_of(session, row))
