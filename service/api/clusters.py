"""Pain clusters: list (sorted by pain), detail with trend and representatives, the analyst's
name/status/link, on-demand refresh, and the emerging ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select

from models.taxonomy import TaxonomyError, Touchpoint
from service.api.jobs import job_out
from service.deps import SessionDep, StateDep
from service.schemas import (
    ClusterDetail,
    ClusterOut,
    ClusterPatch,
    ClusterStatus,
    JobOut,
    PromoteCluster,
    Representative,
)
from service.store.tables import Comment, PainCluster
from service.taxonomies import UnknownTaxonomy

router = APIRouter(prefix="/v1", tags=["clusters"])


def pain(row: PainCluster) -> float:
    return round(row.size * row.negative_share * max(row.growth, 1.0), 3)


def cluster_out(row: PainCluster) -> ClusterOut:
    return ClusterOut(
        id=row.id,
        label=row.label,
        name=row.name,
        status=row.status,
        keywords=row.keywords,
        size=row.size,
        negative_share=row.negative_share,
        mean_sentiment=row.mean_sentiment,
        touchpoint=row.touchpoint,
        linked_touchpoint=row.linked_touchpoint,
        touchpoints=row.touchpoints,
        stages=row.stages,
        emerging=row.emerging,
        reasons=row.reasons,
        growth=row.growth,
        pain=pain(row),
        refreshed_at=row.refreshed_at,
    )


@router.get("/clusters", response_model=list[ClusterOut])
def list_clusters(
    session: SessionDep,
    cluster_status: Annotated[ClusterStatus | None, Query(alias="status")] = None,
    touchpoint: Annotated[
        str | None, Query(description='best taxonomy match; "new" for unnamed pain')
    ] = None,
    emerging: bool | None = None,
    min_size: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ClusterOut]:
    """Active clusters of the latest refresh, most painful first (size x negativity x growth)."""
    query = select(PainCluster).where(PainCluster.active, PainCluster.size >= min_size)
    if cluster_status:
        query = query.where(PainCluster.status == cluster_status)
    if touchpoint:
        query = query.where(PainCluster.touchpoint == touchpoint)
    if emerging is not None:
        query = query.where(PainCluster.emerging == emerging)
    rows = session.scalars(query).all()
    return [cluster_out(r) for r in sorted(rows, key=lambda r: (-pain(r), r.id))[:limit]]


@router.get("/emerging", response_model=list[ClusterOut])
def list_emerging(session: SessionDep) -> list[ClusterOut]:
    """Clusters flagged emerging by the latest refresh, with the numbers behind each flag."""
    rows = session.scalars(select(PainCluster).where(PainCluster.active, PainCluster.emerging)).all()
    return [cluster_out(r) for r in sorted(rows, key=lambda r: (-pain(r), r.id))]


def _get(session, cluster_id: int) -> PainCluster:
    row = session.get(PainCluster, cluster_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no cluster {cluster_id}")
    return row


@router.get("/clusters/{cluster_id}", response_model=ClusterDetail)
def get_cluster(cluster_id: int, session: SessionDep) -> ClusterDetail:
    row = _get(session, cluster_id)
    comments = {
        c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(row.representatives))).all()
    }
    representatives = [
        Representative(comment_id=i, text=comments[i].text, created_at=comments[i].created_at)
        for i in row.representatives
        if i in comments
    ]
    return ClusterDetail(**cluster_out(row).model_dump(), trend=row.trend, representatives=representatives)


@router.patch("/clusters/{cluster_id}", response_model=ClusterOut)
def patch_cluster(cluster_id: int, body: ClusterPatch, state: StateDep) -> ClusterOut:
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
        return cluster_out(row)


@router.post("/clusters/refresh", response_model=JobOut, status_code=status.HTTP_202_ACCEPTED)
def refresh_clusters(state: StateDep) -> JobOut:
    """Re-cluster the stored comments now, in the background; follow the job at /v1/jobs/{id}."""
    return job_out(state.start_cluster_refresh())


@router.post("/clusters/{cluster_id}/touchpoint", response_model=ClusterOut)
def promote_cluster(cluster_id: int, body: PromoteCluster, state: StateDep) -> ClusterOut:
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
            state.taxonomies.add(extended)
        except (TaxonomyError, ValueError) as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"cannot add the touchpoint: {exc}"
            ) from exc
        row.linked_touchpoint = body.id
        row.status = "known"
        session.flush()
        return cluster_out(row)
