"""From analysed comments to pain clusters with trends: the part of mining that both `mot mine`
(files) and the service's refresh job run.

Input: per comment its embedding, sentiment, best touchpoint, stage, time and source. Output:
clusters described for an analyst (phrase label, keywords, representatives, size, negativity,
touchpoint and stage mix, the taxonomy touchpoint they match or "new", generic or not), the themes
that group them (models/themes.py) and, per period, each cluster's count, share, expected count
and emergence flag with its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from models.cluster import OUTLIER, ClusterConfig, Clustering, fit_clusters, representatives
from models.emerging import EmergenceRule, Period, score_series
from models.keywords import GenericRule, describe_groups
from models.themes import Theme, ThemeConfig, find_themes

NEW = "new"  # a cluster that no touchpoint of the taxonomy explains: an unnamed pain point
PERIODS = ("hour", "day", "week")


@dataclass(frozen=True)
class Comments:
    """The comments to mine, aligned lists."""

    texts: list[str]
    embeddings: np.ndarray  # (n, dim) L2-normalised
    sentiments: list[str]  # negative | neutral | positive
    scores: list[float]  # sentiment score in [-1, 1]
    touchpoints: list[str | None]
    stages: list[str]
    times: list[datetime] | None = None
    sources: list[str] | None = None


@dataclass(frozen=True)
class MinedCluster:
    """A cluster one mining run found (the service stores it as a PainCluster row)."""

    index: int
    label: str
    keywords: list[str]
    size: int
    negative_share: float
    mean_sentiment: float
    touchpoints: dict[str, int]
    stages: dict[str, int]
    touchpoint: str  # the taxonomy touchpoint it matches best, or NEW
    representatives: list[int]  # comment positions, closest to the centre first
    emerging: bool = False
    reasons: list[str] = field(default_factory=list)
    generic: bool = False  # venting without a subject: labelled GENERIC_LABEL, ranked last
    theme: int = -1  # index of its Theme in PainReport.themes; -1: not grouped


@dataclass(frozen=True)
class Trend:
    period: datetime
    cluster: int
    tested: Period


@dataclass(frozen=True)
class PainReport:
    clustering: Clustering
    clusters: list[MinedCluster]
    periods: list[datetime]
    trends: list[Trend]
    touchpoint_trends: dict[str, list[Period]] = field(default_factory=dict)  # per best touchpoint
    themes: list[Theme] = field(default_factory=list)  # largest first, the generic one last


def describe_clusters(
    comments: Comments,
    clustering: Clustering,
    *,
    match_share: float = 0.5,
    rule: GenericRule | None = None,
) -> list[MinedCluster]:
    words = describe_groups(comments.texts, clustering.labels, rule=rule or GenericRule())
    result = []
    for c in range(clustering.count):
        members = clustering.members(c)
        tps = Counter(comments.touchpoints[i] or "none" for i in members)
        top, top_count = tps.most_common(1)[0]
        closest = members[representatives(comments.embeddings[members], clustering.centres[c], 3)]
        described = words.get(c)
        result.append(
            MinedCluster(
                index=c,
                label=described.label if described else "(no words)",
                keywords=described.keywords if described else [],
                size=len(members),
                negative_share=round(
                    sum(comments.sentiments[i] == "negative" for i in members) / len(members), 4
                ),
                mean_sentiment=round(float(np.mean([comments.scores[i] for i in members])), 4),
                touchpoints=dict(tps.most_common()),
                stages=dict(Counter(comments.stages[i] for i in members).most_common()),
                touchpoint=top if top != "none" and top_count >= match_share * len(members) else NEW,
                representatives=[int(i) for i in closest],
                generic=bool(described and described.generic),
            )
        )
    return result


def group_themes(
    comments: Comments,
    clustering: Clustering,
    clusters: list[MinedCluster],
    config: ThemeConfig | None = None,
) -> tuple[list[Theme], list[MinedCluster]]:
    """The themes of the described clusters, and the clusters with their theme set."""
    themes, theme_of = find_themes(
        comments.texts,
        clustering.labels,
        clustering.centres,
        [c.generic for c in clusters],
        [c.label for c in clusters],
        config or ThemeConfig(),
    )
    return themes, [MinedCluster(**{**c.__dict__, "theme": int(theme_of[c.index])}) for c in clusters]


def period_start(moment: datetime, period: str) -> datetime:
    if period == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":  # ISO weeks start on Monday
        return day - timedelta(days=day.weekday())
    raise ValueError(f"period must be one of {PERIODS}, not {period!r}")


def trends(
    labels: np.ndarray,
    times: Sequence[datetime],
    sources: Sequence[str] | None,
    period: str,
    rule: EmergenceRule,
) -> tuple[list[datetime], list[Trend]]:
    """Every cluster's count per period and source, tested against its own baseline."""
    keys = [None if label == OUTLIER else int(label) for label in labels]
    periods, tested = series_trends(keys, times, sources, period, rule)
    return periods, [
        Trend(periods[t.index], key, t) for key, points in sorted(tested.items()) for t in points
    ]


def series_trends(
    keys: Sequence[Hashable | None],
    times: Sequence[datetime],
    sources: Sequence[str] | None,
    period: str,
    rule: EmergenceRule,
) -> tuple[list[datetime], dict[Hashable, list[Period]]]:
    """Per series (a cluster, a touchpoint; None: in no series) its tested periods. The totals
    count every comment given, in a series or not."""
    starts = [period_start(t, period) for t in times]
    periods = _all_periods(min(starts), max(starts), period) if starts else []
    where = {p: i for i, p in enumerate(periods)}
    names = sorted(set(sources)) if sources else ["all"]
    column = {s: i for i, s in enumerate(names)}
    totals = np.zeros((len(periods), len(names)))
    per_key: dict[Hashable, np.ndarray] = {}
    for i, start in enumerate(starts):
        s = column[sources[i]] if sources else 0
        totals[where[start], s] += 1
        if keys[i] is not None:
            per_key.setdefault(keys[i], np.zeros_like(totals))[where[start], s] += 1
    return periods, {key: score_series(counts, totals, rule) for key, counts in per_key.items()}


def mine(
    comments: Comments,
    *,
    config: ClusterConfig | None = None,
    period: str = "day",
    rule: EmergenceRule | None = None,
    themes: ThemeConfig | None = None,
) -> PainReport:
    rule = rule or EmergenceRule()
    clustering = fit_clusters(comments.embeddings, config or ClusterConfig())
    clusters = describe_clusters(comments, clustering)
    grouped, clusters = group_themes(comments, clustering, clusters, themes)
    periods: list[datetime] = []
    found: list[Trend] = []
    by_touchpoint: dict[str, list[Period]] = {}
    if comments.times is not None:
        periods, found = trends(clustering.labels, comments.times, comments.sources, period, rule)
        _, tested = series_trends(comments.touchpoints, comments.times, comments.sources, period, rule)
        by_touchpoint = {str(k): v for k, v in sorted(tested.items(), key=lambda kv: str(kv[0]))}
        flags: dict[int, list[str]] = {}
        for trend in found:
            if trend.tested.flagged:
                flags.setdefault(trend.cluster, []).append(
                    f"{trend.period.isoformat()}: {trend.tested.reason}"
                )
        clusters = [
            MinedCluster(**{**c.__dict__, "emerging": c.index in flags, "reasons": flags.get(c.index, [])})
            for c in clusters
        ]
    return PainReport(clustering, clusters, periods, found, by_touchpoint, grouped)


def _all_periods(first: datetime, last: datetime, period: str) -> list[datetime]:
    step = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}[period]
    result, current = [], first
    while current <= last:
        result.append(current)
        current = period_start(current + step, period)
    return result
