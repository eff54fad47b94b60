"""The `mot` command: every job a user runs is one subcommand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="MOT Miner: moments-of-truth mining from customer comments.", no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind (default MOT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default MOT_PORT)")] = None,
) -> None:
    """Run the API server (docs at /docs)."""
    import uvicorn

    from service.main import create_app
    from service.settings import Settings

    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        timeout_graceful_shutdown=30,
    )


@app.command()
def analyze(
    input: Annotated[Path, typer.Argument(help="CSV or JSONL file of comments", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="where to write: .csv or .jsonl")],
    text_col: Annotated[str, typer.Option(help="column (or JSON key) holding the text")] = "text",
    taxonomy: Annotated[str | None, typer.Option(help="pack name or a taxonomy YAML path")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="comments per model batch")] = 256,
) -> None:
    """Add predictions to every row of a file: stage, touchpoints, sentiment."""
    from service.batch import analyze_file

    analyze_file(input, out, text_col=text_col, taxonomy=taxonomy, batch_size=batch_size)


@app.command()
def evaluate(
    dataset: Annotated[str, typer.Argument(help="banking77 or airline (test split)")],
    data_dir: Annotated[Path, typer.Option(help="the shared data folder")] = Path("../shared/data"),
    url: Annotated[str | None, typer.Option(help="a running service; default: start one locally")] = None,
    batch: Annotated[int, typer.Option(min=1)] = 64,
    limit: Annotated[int | None, typer.Option(min=1, help="grade only the first N rows")] = None,
) -> None:
    """Grade the service's predictions on a labelled test split through POST /v1/analyze (JSON)."""
    import json

    from training.evaluate_service import DATASETS
    from training.evaluate_service import evaluate as run

    if dataset not in DATASETS:
        raise typer.BadParameter(f"dataset must be one of {sorted(DATASETS)}")
    typer.echo(json.dumps(run(dataset, data_dir, url, batch, limit), indent=2))


@app.command()
def bench(
    data: Annotated[Path, typer.Option(help="CSV with a text column")] = Path(
        "../shared/data/airline/tweets.csv"
    ),
    text_col: Annotated[str, typer.Option()] = "text",
    n: Annotated[int, typer.Option(min=1, help="texts to send")] = 2048,
    batch: Annotated[int, typer.Option(min=1)] = 64,
    taxonomy: Annotated[str, typer.Option()] = "airline",
    repeats: Annotated[int, typer.Option(min=1)] = 2,
) -> None:
    """Throughput of POST /v1/analyze against raw sentence-transformers encode, same run (JSON)."""
    import csv
    import json

    from service.bench import bench as run

    with data.open(newline="", encoding="utf-8") as handle:
        texts = [row[text_col] for row in csv.DictReader(handle)][:n]
    typer.echo(json.dumps(run(texts, batch, taxonomy, repeats), indent=2))


if __name__ == "__main__":
    app()
