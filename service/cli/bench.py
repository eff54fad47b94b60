"""`mot bench` and `mot bench-ui`: speed, measured against a baseline in the same run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from service.cli.context import require_tools


def bench(
    data: Annotated[Path, typer.Option(help="CSV with a text column")] = Path(
        "../shared/data/airline/tweets.csv"
    ),
    text_col: Annotated[str, typer.Option()] = "text",
    n: Annotated[int, typer.Option(min=1, help="texts to send")] = 2048,
    batch: Annotated[int, typer.Option(min=1)] = 64,
    taxonomy: Annotated[str, typer.Option()] = "airline",
    repeats: Annotated[int, typer.Option(min=1)] = 2,
    clients: Annotated[
        int,
        typer.Option(
            min=0,
            help="instead: this many concurrent clients send one comment per request, micro-batched "
            "against one request per model call",
        ),
    ] = 0,
    encoders: Annotated[
        str | None,
        typer.Option(
            help="instead: comma-separated presets, model or bundle folders (a distilled student); "
            "comments/s and peak memory of each, in a fresh process each, against the first"
        ),
    ] = None,
) -> None:
    """Throughput of POST /v1/analyze against raw sentence-transformers encode, same run (JSON);
    with --clients, of micro-batched single-comment requests against unbatched ones; with
    --encoders, of each encoder tier."""
    import csv

    require_tools("bench")
    from service.tools.bench import bench as run
    from service.tools.bench import bench_clients

    with data.open(newline="", encoding="utf-8") as handle:
        texts = [row[text_col] for row in csv.DictReader(handle)][:n]
    if encoders:
        from service.tools.bench_encoders import bench_encoders

        result = bench_encoders([e.strip() for e in encoders.split(",") if e.strip()], texts, batch, repeats)
    elif clients:
        result = bench_clients(texts, clients, taxonomy)
    else:
        result = run(texts, batch, taxonomy, repeats)
    typer.echo(json.dumps(result, indent=2))


def bench_ui(
    comments: Annotated[
        int, typer.Option(min=0, help="synthetic comments to insert first (0: none)")
    ] = 100_000,
    database_url: Annotated[
        str | None,
        typer.Option(help="database to fill and serve; default: a new SQLite file in a temp folder"),
    ] = None,
    repeats: Annotated[int, typer.Option(min=1, help="timed loads of each page")] = 5,
    browser: Annotated[bool, typer.Option(help="also time the journey map in chromium")] = True,
    chromium: Annotated[Path, typer.Option(help="the chromium to drive")] = Path("/usr/bin/chromium"),
) -> None:
    """Page load times of the web UI with many stored comments (inserted directly, no encoder)."""
    import tempfile

    require_tools("bench-ui")
    from service.tools.bench_ui import bench_ui as run

    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench-ui.db'}"
        result = run(url, comments, repeats, chromium if browser else None)
    typer.echo(json.dumps(result, indent=2))
