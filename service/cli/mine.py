"""`mot mine`: a file of comments in, pain clusters and their trends out, for analysts.

Writes into DIR: comments.csv (every comment with its predictions and cluster, -1 for none),
clusters.csv (with each cluster's theme), themes.csv (clusters that tell one story, grouped:
models/themes.py), trends.csv, touchpoint_trends.csv (the same test per best touchpoint),
moments.csv (touchpoints ranked by impact: models/moments.py), and report.html (the themes with
their clusters, and charts of the emerging ones).
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import typer

from models.cluster import OUTLIER, ClusterConfig
from models.emerging import EmergenceRule
from models.moments import Mentioned, Moment, moments
from models.pain import PERIODS, Comments, PainReport, mine
from service.cli.batch import (
    analyze_rows,
    check_columns,
    choose_taxonomy,
    load_analyzer,
    read_rows,
    with_text,
)
from service.common.spreadsheet import safe_cell
from service.common.times import parse_time
from service.settings import Settings

SCOPES = ("negative", "all")


def mine_file(
    settings: Settings,
    input: Path,
    out: Path,
    *,
    text_col: str,
    time_col: str | None,
    id_col: str | None,
    source_col: str | None,
    rating_col: str | None,
    time_format: str | None,
    taxonomy: str | None,
    scope: str,
    period: str,
    batch_size: int,
    config: ClusterConfig,
    rule: EmergenceRule,
) -> PainReport:
    if scope not in SCOPES:
        raise typer.BadParameter(f"--scope must be one of {SCOPES}")
    if period not in PERIODS:
        raise typer.BadParameter(f"--period must be one of {PERIODS}")
    records = read_rows(input)
    check_columns(
        records,
        input.name,
        {"--text-col": text_col, "--time-col": time_col, "--id-col": id_col, "--source-col": source_col,
         "--rating-col": rating_col},
    )  # fmt: skip
    kept = with_text(records, input.name, text_col)
    rows, numbers = [records.rows[i] for i in kept], [records.first_row + i for i in kept]
    times: list[datetime] | None = [] if time_col else None
    for number, row in zip(numbers, rows):
        if times is not None:
            try:
                moment = parse_time(str(row[time_col]), time_format)
            except ValueError as exc:
                raise typer.BadParameter(f"{input.name} row {number}: {exc}") from None
            times.append(moment.replace(tzinfo=None) if moment.tzinfo is None else moment)
    if times and len({t.tzinfo is None for t in times}) > 1:
        raise typer.BadParameter(
            f"{input.name}: some times carry a time zone and some do not: make them alike"
        )
    ids = [str(row[id_col]) if id_col else str(i) for i, row in zip(kept, rows)]
    ratings = [_rating(row, rating_col, input.name, number) for number, row in zip(numbers, rows)]

    # a named taxonomy is checked before the model loads, so a wrong name or file fails at once
    named = choose_taxonomy(taxonomy, settings) if taxonomy or settings.default_taxonomy else None
    analyzer = load_analyzer(settings)
    tax = named or choose_taxonomy(None, settings, analyzer.bundle.taxonomy if analyzer.bundle else None)
    analyses = analyze_rows(analyzer, [row[text_col] for row in rows], tax, batch_size)
    keep = [i for i, a in enumerate(analyses) if scope == "all" or a.sentiment.label == "negative"]
    comments = Comments(
        texts=[analyses[i].text for i in keep],
        embeddings=np.stack([analyses[i].embedding for i in keep]) if keep else np.zeros((0, 1), np.float32),
        sentiments=[analyses[i].sentiment.label for i in keep],
        scores=[analyses[i].sentiment.score for i in keep],
        touchpoints=[analyses[i].touchpoints[0].label if analyses[i].touchpoints else None for i in keep],
        stages=[analyses[i].stage.label for i in keep],
        times=[times[i] for i in keep] if times is not None else None,
        sources=[str(rows[i][source_col]) for i in keep] if source_col else None,
    )
    typer.echo(f"clustering {len(keep)} {scope} comments of {len(rows)}", err=True)
    report = mine(comments, config=config, period=period, rule=rule)
    cluster_of = np.full(len(rows), OUTLIER)
    cluster_of[keep] = report.clustering.labels
    out.mkdir(parents=True, exist_ok=True)
    _write_comments(out / "comments.csv", ids, analyses, cluster_of)
    _write_clusters(out / "clusters.csv", report)
    _write_themes(out / "themes.csv", report)
    _write_trends(out / "trends.csv", report, period)
    _write_touchpoint_trends(out / "touchpoint_trends.csv", report, period)
    ranked = moments(
        [
            Mentioned(rating, {m.label: m.sentiment.label == "negative" for m in a.touchpoints})
            for rating, a in zip(ratings, analyses)
        ]
    )
    _write_moments(out / "moments.csv", ranked)
    from service.cli.mine_report import write_html

    write_html(out / "report.html", report, comments, scope=scope, source=input.name, period=period)
    flagged = sum(c.emerging for c in report.clusters)
    typer.echo(
        f"{report.clustering.count} clusters, {flagged} emerging, "
        f"{(report.clustering.labels == OUTLIER).mean():.1%} of the clustered comments outside every cluster; "
        f"{len(report.themes)} themes; wrote {out}/comments.csv, clusters.csv, themes.csv, trends.csv, "
        "touchpoint_trends.csv, moments.csv, report.html",
        err=True,
    )
    return report


def _rating(row: dict[str, Any], column: str | None, name: str, number: int) -> float | None:
    if column is None or row.get(column) in (None, ""):
        return None
    try:
        return float(row[column])
    except (TypeError, ValueError):
        raise typer.BadParameter(
            f"{name} row {number}: rating {row[column]!r} is not a number: fix it or leave it empty"
        ) from None


def _write_moments(path: Path, ranked: list[Moment]) -> None:
    _write(
        path,
        [
            "rank",
            "touchpoint",
            "comments",
            "negative_share",
            "rating_drop",
            "ci_low",
            "ci_high",
            "frequency",
            "impact",
            "quadrant",
        ],
        [
            [
                rank,
                m.touchpoint,
                m.comments,
                m.negative_share,
                m.rating_drop,
                m.ci_low,
                m.ci_high,
                m.frequency,
                m.impact,
                m.quadrant,
            ]
            for rank, m in enumerate(ranked, start=1)
        ],
    )


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([safe_cell(cell) for cell in row] for row in rows)  # formulas defused


def _write_comments(path: Path, ids: list[str], analyses, cluster_of: np.ndarray) -> None:
    _write(
        path,
        ["id", "stage", "touchpoint", "sentiment", "sentiment_score", "cluster_id"],
        [
            [
                ident,
                a.stage.label,
                a.touchpoints[0].label if a.touchpoints else "",
                a.sentiment.label,
                round(a.sentiment.score, 4),
                int(cluster),
            ]
            for ident, a, cluster in zip(ids, analyses, cluster_of)
        ],
    )


def _write_clusters(path: Path, report: PainReport) -> None:
    _write(
        path,
        [
            "cluster_id",
            "label",
            "keywords",
            "size",
            "negative_share",
            "mean_sentiment",
            "touchpoint",
            "emerging",
            "reasons",
            "generic",
            "theme_id",
            "theme_label",
        ],
        [
            [
                c.index,
                c.label,
                ";".join(c.keywords),
                c.size,
                c.negative_share,
                c.mean_sentiment,
                c.touchpoint,
                c.emerging,
                " | ".join(c.reasons),
                c.generic,
                c.theme,
                report.themes[c.theme].label if 0 <= c.theme < len(report.themes) else "",
            ]
            for c in report.clusters
        ],
    )


def theme_negative_share(report: PainReport, clusters: list[int]) -> float:
    """The negative share of a theme's comments, from its clusters'."""
    members = [report.clusters[c] for c in clusters]
    size = sum(c.size for c in members)
    return round(sum(c.negative_share * c.size for c in members) / size, 4) if size else 0.0


def _write_themes(path: Path, report: PainReport) -> None:
    _write(
        path,
        ["theme_id", "label", "size", "clusters", "negative_share", "generic", "keywords"],
        [
            [
                t.index,
                t.label,
                t.size,
                ";".join(str(c) for c in t.clusters),
                theme_negative_share(report, t.clusters),
                t.generic,
                ";".join(t.keywords),
            ]
            for t in report.themes
        ],
    )


def _stamp(moment: datetime, period: str) -> str:
    return moment.date().isoformat() if period in {"day", "week"} else moment.isoformat()


def _write_touchpoint_trends(path: Path, report: PainReport, period: str) -> None:
    _write(
        path,
        ["period", "touchpoint", "count", "share", "baseline", "score", "flagged", "reason"],
        [
            [
                _stamp(report.periods[p.index], period),
                touchpoint,
                p.count,
                round(p.share, 5),
                "" if np.isnan(p.expected) else round(p.expected, 2),
                "" if np.isnan(p.score) else round(p.score, 3),
                p.flagged,
                p.reason,
            ]
            for touchpoint, points in report.touchpoint_trends.items()
            for p in points
        ],
    )


def _write_trends(path: Path, report: PainReport, period: str) -> None:
    def stamp(moment: datetime) -> str:
        return _stamp(moment, period)

    _write(
        path,
        ["period", "cluster_id", "count", "share", "baseline", "score", "flagged", "reason"],
        [
            [
                stamp(t.period),
                t.cluster,
                t.tested.count,
                round(t.tested.share, 5),
                "" if np.isnan(t.tested.expected) else round(t.tested.expected, 2),
                "" if np.isnan(t.tested.score) else round(t.tested.score, 3),
                t.tested.flagged,
                t.tested.reason,
            ]
            for t in report.trends
        ],
    )
