"""`mot analyze` and `mot mine`: comment files in, predictions and pain clusters out, no server needed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.context import settings_of


def analyze(
    ctx: typer.Context,
    input: Annotated[Path, typer.Argument(help="CSV or JSONL file of comments", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="where to write: .csv or .jsonl")],
    text_col: Annotated[str, typer.Option(help="column (or JSON key) holding the text")] = "text",
    taxonomy: Annotated[str | None, typer.Option(help="pack name or a taxonomy YAML path")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="comments per model batch")] = 256,
) -> None:
    """Add predictions to every row of a file: stage, touchpoints, sentiment."""
    from service.cli.batch import analyze_file

    analyze_file(settings_of(ctx), input, out, text_col=text_col, taxonomy=taxonomy, batch_size=batch_size)


def mine(
    ctx: typer.Context,
    input: Annotated[Path, typer.Argument(help="CSV or JSONL file of comments", exists=True, dir_okay=False)],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="folder for comments/clusters/trends CSV and report")
    ],
    text_col: Annotated[str, typer.Option(help="column holding the text")] = "text",
    time_col: Annotated[str | None, typer.Option(help="column holding the time: enables trends")] = None,
    id_col: Annotated[
        str | None, typer.Option(help="column holding the comment id (default: row number)")
    ] = None,
    source_col: Annotated[
        str | None, typer.Option(help="column naming the source or channel: trends control for its mix")
    ] = None,
    rating_col: Annotated[
        str | None, typer.Option(help="column holding a rating (CSAT, NPS, stars): ranks moments of truth")
    ] = None,
    time_format: Annotated[
        str | None, typer.Option(help="strptime format; default: ISO 8601 or M/D/Y H:M")
    ] = None,
    taxonomy: Annotated[str | None, typer.Option(help="pack name or a taxonomy YAML path")] = None,
    scope: Annotated[str, typer.Option(help="negative (pain points) or all")] = "negative",
    period: Annotated[str, typer.Option(help="hour, day or week")] = "day",
    batch_size: Annotated[int, typer.Option(min=1, help="comments per model batch")] = 256,
    min_cluster_size: Annotated[
        int | None,
        typer.Option(min=2, help="fewest comments a cluster holds; default: 0.4% of them, at least 15"),
    ] = None,
    alpha: Annotated[
        float, typer.Option(min=1e-12, max=0.5, help="false-alarm rate per cluster and period")
    ] = 0.005,
) -> None:
    """Find pain clusters in a file, with trends and emerging flags (see docs/ARCHITECTURE.md)."""
    from dataclasses import replace

    from models.cluster import ClusterConfig
    from models.emerging import EmergenceRule
    from service.cli.mine import mine_file

    mine_file(
        settings_of(ctx),
        input,
        out,
        text_col=text_col,
        time_col=time_col,
        id_col=id_col,
        source_col=source_col,
        rating_col=rating_col,
        time_format=time_format,
        taxonomy=taxonomy,
        scope=scope,
        period=period,
        batch_size=batch_size,
        config=replace(ClusterConfig(), min_cluster_size=min_cluster_size),
        rule=replace(EmergenceRule(), alpha=alpha),
    )
