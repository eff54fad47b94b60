"""`mot train`, `mot distill`, `mot evaluate`, `mot evaluate-clusters`, `mot swap`: the ML engineer's loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from service.cli.context import settings_of


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
    sample: Annotated[
        int | None, typer.Option(min=1, help="grade N rows spread evenly through the set (after --limit)")
    ] = None,
    latency_sample: Annotated[int, typer.Option(min=0, help="comments timed one by one")] = 100,
) -> None:
    """Grade predictions through POST /v1/analyze (JSON). DATA: banking77, banking77-intents,
    airline, zh-waimai, zh-hotel, zh-shopping (their test splits), banking77-pairs (two test messages per comment) or a labelled
    CSV/JSONL file. --taxonomy takes a pack's name or a taxonomy YAML file."""

    from training.evaluate_service import DATASETS, PAIRS_DATA
    from training.evaluate_service import evaluate as run

    bundle, data = (Path(first), second) if second is not None else (None, first)
    known = sorted([*DATASETS, PAIRS_DATA])
    if data not in known and not Path(data).is_file():
        raise typer.BadParameter(f"DATA must be one of {known} or a labelled CSV/JSONL file")
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
        sample=sample,
    )
    typer.echo(json.dumps(summary, indent=2))


def evaluate_clusters(
    ctx: typer.Context,
    data_dir: Annotated[Path, typer.Option(help="the shared data folder")] = Path("../shared/data"),
    baseline: Annotated[bool, typer.Option(help="run BERTopic's defaults beside ours")] = True,
    sizes: Annotated[str, typer.Option(help="comma-separated sizes to time; empty: skip")] = "",
    min_cluster_size: Annotated[
        int | None, typer.Option(min=2, help="default: 0.4% of them, at least 15")
    ] = None,
) -> None:
    """Pain clusters graded on Banking77 against BERTopic, and timed at scale (JSON)."""
    from dataclasses import replace

    from models.cluster import ClusterConfig
    from service.domain.runtime import build_encoder
    from training.evaluate_clusters import quality, scale

    config = replace(ClusterConfig(), min_cluster_size=min_cluster_size)
    encoder = build_encoder(settings_of(ctx))
    result = {"quality": quality(data_dir, encoder, config, baseline)}
    if sizes:
        result["scale"] = scale(data_dir, encoder, config, [int(n) for n in sizes.split(",")])
    typer.echo(json.dumps(result, indent=2))


def adapt(
    ctx: typer.Context,
    input: Annotated[
        Path, typer.Argument(help="CSV or JSONL file of unlabelled comments", exists=True, dir_okay=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="the bundle folder to write when promoted")],
    taxonomy: Annotated[str | None, typer.Option(help="pack name or a taxonomy YAML path")] = None,
    text_col: Annotated[str, typer.Option(help="column (or JSON key) holding the text")] = "text",
    min_comments: Annotated[int, typer.Option(min=2, help="fewest comments to adapt on")] = 200,
    keep_share: Annotated[
        float,
        typer.Option(
            min=0.05, max=1.0, help="of each touchpoint's predictions, the most confident share kept"
        ),
    ] = 0.5,
    max_share: Annotated[
        float,
        typer.Option(min=0.05, max=1.0, help="refuse when one touchpoint takes more of the pseudo-labels"),
    ] = 0.5,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Adapt a taxonomy's zero-shot scorer to unlabelled comments; write a bundle only when the
    adapted head passes the checks (class balance, the taxonomy's own phrases, a held-out share).
    Prints the checks (JSON); exit 1 with the reasons when refused."""
    from models.adapt import AdaptConfig
    from service.cli.batch import check_columns, choose_taxonomy, load_analyzer, read_rows
    from training.adapt import adapt_texts, report

    settings = settings_of(ctx)
    records = read_rows(input)
    check_columns(records, input.name, {"--text-col": text_col})
    texts = [r[text_col] for r in records.rows if isinstance(r.get(text_col), str) and r[text_col].strip()]
    chosen = choose_taxonomy(taxonomy, settings)
    analyzer = load_analyzer(settings)
    config = AdaptConfig(keep_share=keep_share, max_share=max_share, min_comments=min_comments, seed=seed)
    report(adapt_texts(analyzer, chosen, texts, out, config, name=out.name), out)


def train(
    ctx: typer.Context,
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
        settings=settings_of(ctx), data=data, out=out, text_col=text_col, touchpoint_col=touchpoint_col, stage_col=stage_col,
        sentiment_col=sentiment_col, taxonomy=taxonomy, mode=mode, name=name, valid_share=valid_share,
        seed=seed, epochs=epochs, lr=lr, batch_size=batch_size, iterations=iterations, patience=patience,
        device=device, encoder=encoder, min_examples=min_examples, taxonomy_words=taxonomy_words, per_label=per_label, base=bundle, command=" ".join(["mot", *sys.argv[1:]]),
    )  # fmt: skip


def distill(
    ctx: typer.Context,
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
        settings=settings_of(ctx), teacher=teacher, student=student, data=data, text_col=text_col, out=out, config=config,
        limit=limit, command=" ".join(["mot", *sys.argv[1:]]),
    )  # fmt: skip


def swap(
    bundle: Annotated[
        str,
        typer.Argument(
            help="bundle folder; a relative path is from here, and the server must see the same path"
        ),
    ],
    url: Annotated[str, typer.Option(help="the running service")] = "http://127.0.0.1:8000",
    key: Annotated[
        str | None, typer.Option(envvar="MOT_API_KEY", help="an admin API key (or set MOT_API_KEY)")
    ] = None,
) -> None:
    """Swap the running service to another bundle without dropping requests (POST /v1/admin/model)."""
    import httpx

    headers = {"authorization": f"Bearer {key}"} if key else {}
    # a relative path means one from where the user stands, not from where the server was started
    bundle = str(Path(bundle).expanduser().resolve())
    typer.echo(f"swapping to {bundle}", err=True)
    response = httpx.post(f"{url}/v1/admin/model", json={"bundle": bundle}, headers=headers, timeout=600)
    if response.status_code != 200:
        typer.echo(f"refused ({response.status_code}): {response.json().get('detail')}", err=True)
        raise typer.Exit(1)
    typer.echo(f"now serving {response.json()['model_version']}")
