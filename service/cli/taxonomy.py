"""`mot taxonomy check`: what to fix in a taxonomy file before trusting its journey map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from service.cli.context import settings_of

taxonomy_app = typer.Typer(help="Journey taxonomies: check one before you use it.", no_args_is_help=True)


@taxonomy_app.command("check")
def check(
    ctx: typer.Context,
    taxonomy: Annotated[str, typer.Argument(help="a taxonomy YAML file, or a pack's name")],
    sample: Annotated[
        Path | None,
        typer.Option(
            help="CSV or JSONL of real comments: how the taxonomy divides them", exists=True, dir_okay=False
        ),
    ] = None,
    text_col: Annotated[str, typer.Option(help="column (or JSON key) holding the text")] = "text",
    sample_size: Annotated[
        int, typer.Option(min=1, help="comments of the sample to use, from the top")
    ] = 5000,
) -> None:
    """Touchpoints the encoder can hardly tell apart, touchpoints that never win on the sample, the
    share of the largest, stages without touchpoints; each with what to do (JSON)."""
    from service.cli.batch import check_columns, choose_taxonomy, load_analyzer, read_rows
    from service.domain.taxonomy_check import check_with_texts

    settings = settings_of(ctx)
    chosen = choose_taxonomy(taxonomy, settings)
    texts: list[str] = []
    if sample is not None:
        records = read_rows(sample)
        check_columns(records, sample.name, {"--text-col": text_col})
        texts = [
            row[text_col]
            for row in records.rows
            if isinstance(row.get(text_col), str) and row[text_col].strip()
        ]
        texts = texts[:sample_size]
    analyzer = load_analyzer(settings)
    report = check_with_texts(analyzer, chosen, texts)
    typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
