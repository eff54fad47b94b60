"""Pain clusters: list (sorted by pain), detail with trend and representatives, the analyst's
name/status/link, on-demand refresh, and the emerging ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from service.api.errors import refusals
from service.auth.guard import READ, TRIAGE
from service.deps import SessionDep, SettingsDep, StateDep
from service.domain import clusters
from service.domain.taxonomies import UnknownTaxonomy
from service.jobs.registry import job_out
from service.schemas import (
    ClusterDetail,
    ClusterOut,
    ClusterPatch,
    ClusterStatus,
    EmergingOut,
    JobOut,
    MergeClusters,
    PromoteCluster,
    ThemeOut,
)
from service.web.ids import ClusterId

router = APIRouter(prefix="/v1", tags=["clusters"])


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
    shown = clusters.ranked_views(session, cluster_status, touchpoint, stage, emerging, min_size)
    return [clusters.cluster_out(v) for v in shown][:limit]


@router.get("/themes", dependencies=[READ], response_model=list[ThemeOut])
def list_themes(
    session: SessionDep,
    min_size: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ThemeOut]:
    """The clusters grouped into themes (near-duplicates told apart by HDBSCAN, one story to an
    analyst), in the clusters' order: open before set aside, general venting last."""
    return clusters.themes_of(clusters.ranked_views(session, min_size=min_size))[:limit]


@router.get("/emerging", dependencies=[READ], response_model=EmergingOut)
def list_emerging(session: SessionDep, settings: SettingsDep) -> EmergingOut:
    """Clusters and touchpoints flagged emerging by the latest refresh, each with the numbers
    behind its flags."""
    return clusters.emerging(session, settings.cluster_scope)


@router.get(
    "/clusters/{cluster_id}", dependencies=[READ], response_model=ClusterDetail, responses=refusals(404)
)
def get_cluster(cluster_id: ClusterId, session: SessionDep) -> ClusterDetail:
    return clusters.cluster_detail(session, cluster_id)


@router.post(
    "/clusters/{cluster_id}/merge", dependencies=[TRIAGE], response_model=ClusterOut, responses=refusals(404)
)
def merge_cluster(cluster_id: ClusterId, body: MergeClusters, state: StateDep) -> ClusterOut:
    """Show this cluster as part of another (the analyst's call that they are one pain point).
    Both keep their ids, so refreshes keep finding each, and the merge holds."""
    with state.sessions.begin() as session:
        return clusters.merge(session, cluster_id, body.into)


@router.patch(
    "/clusters/{cluster_id}", dependencies=[TRIAGE], response_model=ClusterOut, responses=refusals(404)
)
def patch_cluster(cluster_id: ClusterId, body: ClusterPatch, state: StateDep) -> ClusterOut:
    """Name a cluster, set its status, or link it to a touchpoint; kept across refreshes."""
    # a cluster's comments may come from any taxonomy (the airline tweets, not the default one)
    known = {tp.id for tax, _origin in state.taxonomies.items() for tp in tax.touchpoints}
    with state.sessions.begin() as session:
        return clusters.patch(session, cluster_id, body, known)


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
        with state.sessions.begin() as session:
            return clusters.promote(session, cluster_id, body, state.taxonomies, state.register_taxonomy)
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from exc
