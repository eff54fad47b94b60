"""The `mot` command: every job a user runs is one subcommand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli_encoders import encoders_app
from service.cli_keys import keys_app
from service.cli_load import faults, load

app = typer.Typer(help="MOT Miner: moments-of-truth mining from customer comments.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(encoders_app, name="encoders")
app.command()(load)
app.command()(faults)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind (default MOT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default MOT_PORT)")] = None,
    bundle: Annotated[
        Path | None, typer.Option(help="model bundle folder from `mot train` (default MOT_MODEL_BUNDLE)")
    ] = None,
) -> None:
    """Run the API server (docs at /docs)."""
    import uvicorn

    from service.logging import configure_logging
    from service.main import create_app
    from service.settings import Settings

    settings = Settings()
    if bundle is not None:
        settings = settings.model_copy(update={"model_bundle": bundle})
    configure_logging(settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        log_config=None,  # keep the JSON logging configured above
        access_log=False,  # service.observe logs each request, with its id
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
def mine(
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
    from service.mine import mine_file

    mine_file(
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


@app.command()
def cluster(
    database_url: Annotated[
        str | None, typer.Option(help="the store to refresh (default MOT_DATABASE_URL)")
    ] = None,
) -> None:
    """Refresh the pain clusters of the stored comments, as POST /v1/clusters/refresh does; for
    cron. A running server assigns new comments by the clusters it loaded until its own next
    refresh or restart."""
    import json

    from service.jobs.clusters import refresh
    from service.runtime import build_analyzer
    from service.settings import Settings
    from service.store.engine import make_engine, migrate, session_factory

    settings = Settings()
    if database_url is not None:
        settings = settings.model_copy(update={"database_url": database_url})
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    migrate(engine)
    encoder_version = build_analyzer(settings).encoder.version
    index = refresh(session_factory(engine), encoder_version, settings)
    engine.dispose()
    typer.echo(json.dumps({"scope": settings.cluster_scope, "clusters": len(index.ids)}))


@app.command()
def evaluate(
    first: Annotated[
        str, typer.Argument(metavar="[BUNDLE] DATA", help="optional bundle folder, then the data")
    ],
    second: Annotated[str | None, typer.Argument(hidden=True)] = None,
    data_dir: Annotated[Path, typer.Option(help="the shared data folder")] = Path("../shared/data"),
    url: Annotated[str | None, typer.Option(help="a running service; default: start one locally")] = None,
    out: Annotated[Path | None, typer.Option(help="write a report (Markdown, JSON, pictures) here")] = None,
    taxonomy: Annotated[str | None, typer.Option(help="default: the bundle's, else the dataset's")] = None,
    text_col: Annotated[str, typer.Option(help="for a data file: its text column")] = "text",
    touchpoint_col: Annotated[str | None, typer.Option(help="for a data file")] = None,
    stage_col: Annotated[str | None, typer.Option(help="for a data file")] = None,
    sentiment_col: Annotated[str | None, typer.Option(help="for a data file")] = None,
    batch: Annotated[int, typer.Option(min=1)] = 64,
    limit: Annotated[int | None, typer.Option(min=1, help="grade only the first N rows")] = None,
    latency_sample: Annotated[int, typer.Option(min=0, help="comments timed one by one")] = 100,
) -> None:
    """Grade predictions through POST /v1/analyze (JSON). DATA: banking77, banking77-intents,
    airline (their test splits) or a labelled CSV/JSONL file."""
    import json

    from training.evaluate_service import DATASETS
    from training.evaluate_service import evaluate as run

    bundle, data = (Path(first), second) if second is not None else (None, first)
    if data not in DATASETS and not Path(data).is_file():
        raise typer.BadParameter(f"DATA must be one of {sorted(DATASETS)} or a labelled CSV/JSONL file")
    if bundle is not None:
        from models.bundle import BundleError, load_bundle

        try:
            load_bundle(bundle)  # refuse a damaged bundle here, in one line, before a server starts
        except BundleError as exc:
            raise typer.BadParameter(str(exc)) from exc
    columns = {
        "text_col": text_col,
        "touchpoint_col": touchpoint_col,
        "stage_col": stage_col,
        "sentiment_col": sentiment_col,
    }
    summary = run(
        data,
        data_dir,
        url,
        batch,
        limit,
        bundle=bundle,
        taxonomy=taxonomy,
        out=out,
        latency_sample=latency_sample,
        columns=columns,
    )
    typer.echo(json.dumps(summary, indent=2))


@app.command("evaluate-clusters")
def evaluate_clusters(
    data_dir: Annotated[Path, typer.Option(help="the shared data folder")] = Path("../shared/data"),
    baseline: Annotated[bool, typer.Option(help="run BERTopic's defaults beside ours")] = True,
    sizes: Annotated[str, typer.Option(help="comma-separated sizes to time; empty: skip")] = "",
    min_cluster_size: Annotated[
        int | None, typer.Option(min=2, help="default: 0.4% of them, at least 15")
    ] = None,
) -> None:
    """Pain clusters graded on Banking77 against BERTopic, and timed at scale (JSON)."""
    import json
    from dataclasses import replace

    from models.cluster import ClusterConfig
    from service.runtime import build_encoder
    from service.settings import Settings
    from training.evaluate_clusters import quality, scale

    config = replace(ClusterConfig(), min_cluster_size=min_cluster_size)
    encoder = build_encoder(Settings())
    result = {"quality": quality(data_dir, encoder, config, baseline)}
    if sizes:
        result["scale"] = scale(data_dir, encoder, config, [int(n) for n in sizes.split(",")])
    typer.echo(json.dumps(result, indent=2))


@app.command()
def train(
    data: Annotated[Path, typer.Option(help="labelled comments: a CSV or JSONL file")],
    out: Annotated[Path, typer.Option(help="the bundle folder to write")],
    text_col: Annotated[str, typer.Option(help="column holding the comment text")] = "text",
    touchpoint_col: Annotated[str | None, typer.Option(help="column holding touchpoint labels")] = None,
    stage_col: Annotated[
        str | None, typer.Option(help="column holding stage labels (also creates unknown touchpoints)")
    ] = None,
    sentiment_col: Annotated[
        str | None, typer.Option(help="column holding negative / neutral / positive")
    ] = None,
    taxonomy: Annotated[
        str | None, typer.Option(help="pack name or taxonomy YAML the labels belong to")
    ] = None,
    mode: Annotated[str, typer.Option(help="head (frozen encoder) | fewshot (SetFit) | finetune")] = "head",
    name: Annotated[str | None, typer.Option(help="bundle name (default: the out folder's name)")] = None,
    valid_share: Annotated[float, typer.Option(min=0.0, max=0.5, help="share held out to validate")] = 0.1,
    seed: Annotated[int, typer.Option()] = 0,
    epochs: Annotated[int | None, typer.Option(min=1, help="finetune/fewshot epochs")] = None,
    lr: Annotated[float | None, typer.Option(help="encoder learning rate (finetune/fewshot)")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="training batch size")] = None,
    iterations: Annotated[int | None, typer.Option(min=1, help="fewshot: pairs per example")] = None,
    patience: Annotated[int | None, typer.Option(min=1, help="finetune: epochs without progress")] = None,
    device: Annotated[str, typer.Option(help="torch device: cpu, or cuda when a GPU is there")] = "cpu",
    encoder: Annotated[
        str | None,
        typer.Option(
            help="encoder preset (`mot encoders list`) or sentence-transformers folder; default MOT_ENCODER"
        ),
    ] = None,
    min_examples: Annotated[int, typer.Option(min=2, help="fewest examples a label may have")] = 2,
    taxonomy_words: Annotated[
        bool, typer.Option(help="train the touchpoint head on each touchpoint's name and description too")
    ] = True,
    per_label: Annotated[
        int | None,
        typer.Option(min=2, help="train on at most N examples of each label (a sample drawn with --seed)"),
    ] = None,
    bundle: Annotated[
        Path | None,
        typer.Option(
            help="train heads on this bundle's own encoder (a `mot distill` student); its other heads are kept"
        ),
    ] = None,
) -> None:
    """Train a model bundle on labelled comments; an interrupted finetune resumes when rerun."""
    import sys

    from training.cli_train import run_train

    run_train(
        data=data, out=out, text_col=text_col, touchpoint_col=touchpoint_col, stage_col=stage_col,
        sentiment_col=sentiment_col, taxonomy=taxonomy, mode=mode, name=name, valid_share=valid_share,
        seed=seed, epochs=epochs, lr=lr, batch_size=batch_size, iterations=iterations, patience=patience,
        device=device, encoder=encoder, min_examples=min_examples, taxonomy_words=taxonomy_words, per_label=per_label, base=bundle, command=" ".join(["mot", *sys.argv[1:]]),
    )  # fmt: skip


@app.command()
def distill(
    data: Annotated[Path, typer.Option(help="unlabelled comments: a CSV or JSONL file (never test texts)")],
    out: Annotated[Path, typer.Option(help="the bundle folder to write")],
    text_col: Annotated[str, typer.Option(help="column holding the comment text")] = "text",
    teacher: Annotated[str, typer.Option(help="the accurate encoder preset")] = "embeddinggemma-300m",
    student: Annotated[str, typer.Option(help="the fast encoder preset or folder")] = "minilm",
    epochs: Annotated[int, typer.Option(min=1)] = 3,
    batch_size: Annotated[int, typer.Option(min=1)] = 64,
    lr: Annotated[float, typer.Option(help="student learning rate")] = 1e-4,
    seed: Annotated[int, typer.Option()] = 0,
    limit: Annotated[int | None, typer.Option(min=1, help="use only the first N texts")] = None,
    device: Annotated[str, typer.Option(help="torch device: cpu, or cuda")] = "cpu",
) -> None:
    """Teach a fast student encoder the teacher's embeddings of your own comments; writes a bundle
    whose encoder is the student (rerun the same command to resume)."""
    import sys

    from training.cli_distill import run_distill
    from training.distill import DistillConfig

    config = DistillConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, device=device)
    run_distill(
        teacher=teacher, student=student, data=data, text_col=text_col, out=out, config=config,
        limit=limit, command=" ".join(["mot", *sys.argv[1:]]),
    )  # fmt: skip


@app.command()
def swap(
    bundle: Annotated[str, typer.Argument(help="bundle folder, as the server sees the path")],
    url: Annotated[str, typer.Option(help="the running service")] = "http://127.0.0.1:8000",
    key: Annotated[
        str | None, typer.Option(envvar="MOT_API_KEY", help="an admin API key (or set MOT_API_KEY)")
    ] = None,
) -> None:
    """Swap the running service to another bundle without dropping requests (POST /v1/admin/model)."""
    import httpx

    headers = {"authorization": f"Bearer {key}"} if key else {}
    response = httpx.post(f"{url}/v1/admin/model", json={"bundle": bundle}, headers=headers, timeout=600)
    if response.status_code != 200:
        typer.echo(f"refused ({response.status_code}): {response.json().get('detail')}", err=True)
        raise typer.Exit(1)
    typer.echo(f"now serving {response.json()['model_version']}")


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
    import json

    from service.bench import bench as run
    from service.bench import bench_clients

    with data.open(newline="", encoding="utf-8") as handle:
        texts = [row[text_col] for row in csv.DictReader(handle)][:n]
    if encoders:
        from service.bench_encoders import bench_encoders

        result = bench_encoders([e.strip() for e in encoders.split(",") if e.strip()], texts, batch, repeats)
    elif clients:
        result = bench_clients(texts, clients, taxonomy)
    else:
        result = run(texts, batch, taxonomy, repeats)
    typer.echo(json.dumps(result, indent=2))


@app.command()
def retention(
    days: Annotated[
        int | None, typer.Option(min=0, help="blank texts older than this (default MOT_RETENTION_DAYS)")
    ] = None,
) -> None:
    """Blank the text of comments older than the retention period once, in MOT_DATABASE_URL;
    prints {"blanked": N}. The server runs the same on a schedule when MOT_RETENTION_DAYS > 0."""
    import json

    from service.jobs.retention import blank_expired
    from service.settings import Settings
    from service.store.engine import make_engine, migrate, session_factory

    settings = Settings()
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        migrate(engine)
        with session_factory(engine).begin() as session:
            blanked = blank_expired(session, settings.retention_days if days is None else days)
    finally:
        engine.dispose()
    typer.echo(json.dumps({"blanked": blanked}))


@app.command("bench-ui")
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
    import json
    import tempfile

    from service.bench_ui import bench_ui as run

    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench-ui.db'}"
        result = run(url, comments, repeats, chromium if browser else None)
    typer.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    app()
