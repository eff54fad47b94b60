"""Pain clusters as analysts see them (merged ones folded in, ranked by pain), and their triage:
name, status, link, merge, and promotion to a taxonomy touchpoint. Shared by the API, the pages
and the exports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models.taxonomy import TaxonomyError, Touchpoint
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.taxonomies import TaxonomyRegistry
from service.schemas import (
    ClusterDetail,
    ClusterOut,
    ClusterPatch,
    EmergingOut,
    PromoteCluster,
    Representative,
    ThemeOut,
    TouchpointTrendOut,
)
from service.store.clusters import (
    HIGHLIGHTS,
    active_clusters,
    cluster_comments,
    comments_by_id,
    emerging_trends,
    get_cluster,
    merged_into,
)
from service.store.tables import PainCluster

SET_ASIDE = ("resolved", "ignored")  # triaged away: listed after every open cluster, whatever their pain
PROMOTE_SCAN = 1000  # comments of a cluster looked at for a promoted touchpoint's examples


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

    @property
    def representatives(self) -> list[int]:
        return [i for p in self.parts for i in p.representatives]


def views(session: Session, only: int | None = None, highlights: bool = False) -> list[View]:
    """Active clusters (of pain, or of praise with `highlights`), each with the active clusters
    merged into it (a merge survives refreshes: the merged cluster keeps its own id and centre,
    and is shown as part of the other)."""
    rows = active_clusters(session, highlights)
    active = {r.id: r for r in rows}
    children: dict[int, list[PainCluster]] = {}
    for r in rows:
        if r.merged_into in active:
            children.setdefault(r.merged_into, []).append(r)
    shown = [r for r in rows if r.merged_into not in active and (only is None or r.id == only)]
    return [View(r, [r, *children.get(r.id, [])]) for r in shown]


def view_of(session: Session, row: PainCluster) -> View:
    """The cluster as shown; a merged or inactive one alone."""
    found = views(session, only=row.id, highlights=row.scope == HIGHLIGHTS) if row.active else []
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
        generic=row.generic,
        theme_id=row.theme_id,
        theme_label=row.theme_label,
    )


def _sum(mixes: Iterable[dict[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for mix in mixes:
        total.update(mix)
    return dict(total.most_common())


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
    """The clusters as shown, filtered, most painful first (general venting after the rest, and
    resolved and ignored ones last): the list, the web UI and exports."""

    def keep(v: View) -> bool:
        return (
            v.size >= min_size
            and (cluster_status is None or v.row.status == cluster_status)
            and (touchpoint is None or touchpoint in (v.row.touchpoint, v.row.linked_touchpoint))
            and (stage is None or dominant_stage(_sum(p.stages for p in v.parts)) == stage)
            and (emerging is None or any(p.emerging for p in v.parts) == emerging)
        )

    return sorted(filter(keep, views(session)), key=_rank)


def _rank(view: View) -> tuple[bool, bool, float, int]:
    """Open before set aside, a subject before general venting, then by pain."""
    return view.row.status in SET_ASIDE, view.row.generic, -view.pain, view.row.id


def themes_of(ranked: list[View]) -> list[ThemeOut]:
    """The themes of the clusters shown, most painful first (their clusters' pain summed),
    general venting and themes whose every cluster is set aside last; within a theme, its
    clusters in their rank. A cluster of no theme (found before themes were) is its own."""
    grouped: dict[int, list[View]] = {}
    for v in ranked:
        grouped.setdefault(v.row.theme_id or v.row.id, []).append(v)
    themes = [
        ThemeOut(
            id=theme_id,
            label=members[0].row.theme_label or members[0].row.label,
            size=sum(v.size for v in members),
            negative_share=round(
                sum(v.size * v.negative_share for v in members) / max(sum(v.size for v in members), 1), 4
            ),
            pain=round(sum(v.pain for v in members), 3),
            generic=all(v.row.generic for v in members),
            clusters=[v.row.id for v in members],
        )
        for theme_id, members in grouped.items()
    ]
    aside = {t.id: all(v.row.status in SET_ASIDE for v in grouped[t.id]) for t in themes}
    return sorted(themes, key=lambda t: (aside[t.id], t.generic, -t.pain, t.id))


def highlight_views(session: Session) -> list[View]:
    """The clusters of praise, the largest first (their size is their weight: all positive)."""
    return sorted(views(session, highlights=True), key=lambda v: (-v.size, v.row.id))


def complaints_total(session: Session, scope: str) -> int | None:
    """The comments in clusters when only complaints are clustered (MOT_CLUSTER_SCOPE=negative),
    where every cluster is 100% negative and its share of the complaints is what tells them apart."""
    return sum(v.size for v in views(session)) if scope == "negative" else None


def emerging(session: Session, scope: str) -> EmergingOut:
    """Clusters and touchpoints flagged emerging by the latest refresh, with the numbers behind."""
    clusters = sorted(
        (c for c in map(cluster_out, views(session)) if c.emerging), key=lambda c: (-c.pain, c.id)
    )
    return EmergingOut(
        clusters=clusters,
        touchpoints=[
            TouchpointTrendOut(touchpoint=t.touchpoint, emerging=t.emerging, reasons=t.reasons, trend=t.trend)
            for t in emerging_trends(session, scope)
        ],
    )


def cluster_row(session: Session, cluster_id: int) -> PainCluster:
    row = get_cluster(session, cluster_id)
    if row is None:
        raise NotFound(f"no cluster {cluster_id}")
    return row


def members_of(session: Session, cluster_id: int) -> list[int]:
    """The cluster ids whose comments belong to `cluster_id` as shown: itself and those merged in."""
    return [cluster_id, *(r.id for r in merged_into(session, cluster_id))]


def cluster_detail(session: Session, cluster_id: int) -> ClusterDetail:
    row = cluster_row(session, cluster_id)
    view = view_of(session, row)
    comments = comments_by_id(session, view.representatives)
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


def merge(session: Session, cluster_id: int, into: int) -> ClusterOut:
    """Show a cluster as part of another; both keep their ids, so refreshes keep finding each."""
    row, target = cluster_row(session, cluster_id), cluster_row(session, into)
    while target.merged_into is not None:  # merge into the cluster that is shown
        target = cluster_row(session, target.merged_into)
    if target.id == row.id:
        raise Invalid("a cluster cannot be merged into itself")
    for child in merged_into(session, row.id):
        child.merged_into = target.id
    row.merged_into = target.id
    session.flush()
    return cluster_out(view_of(session, target))


def patch(session: Session, cluster_id: int, body: ClusterPatch, known_touchpoints: set[str]) -> ClusterOut:
    """Name a cluster, set its status, or link it to a touchpoint of the default taxonomy."""
    row = cluster_row(session, cluster_id)
    if body.linked_touchpoint is not None and body.linked_touchpoint not in known_touchpoints:
        raise Invalid(
            f"touchpoint {body.linked_touchpoint!r} is in no taxonomy: use one of {sorted(known_touchpoints)}"
        )
    for field in body.model_fields_set:
        setattr(row, field, getattr(body, field))
    session.flush()
    return cluster_out(view_of(session, row))


def promote(
    session: Session, cluster_id: int, body: PromoteCluster, taxonomies: TaxonomyRegistry, register
) -> ClusterOut:
    """Add an unnamed pain point to a taxonomy as a touchpoint (its keywords the description,
    its comments closest to the centre the examples), link the cluster to it, mark it known.
    `register` makes the new taxonomy usable (AppState.register_taxonomy)."""
    base = taxonomies.get(body.taxonomy)  # UnknownTaxonomy for a name it does not know
    if body.id in {tp.id for tp in base.touchpoints}:
        raise Conflict(f"taxonomy {base.name!r} already has a touchpoint {body.id!r}")
    row = cluster_row(session, cluster_id)
    order = {comment_id: rank for rank, comment_id in enumerate(row.representatives)}
    members = cluster_comments(session, cluster_id, PROMOTE_SCAN)
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
        register(extended)
    except (TaxonomyError, ValueError) as exc:
        raise Invalid(f"cannot add the touchpoint: {exc}") from exc
    row.linked_touchpoint = body.id
    row.status = "known"
    session.flush()
    return cluster_out(view_of(session, row))
