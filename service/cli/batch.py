"""`mot analyze` (and `mot mine`'s first step): a CSV or JSONL file in, the same rows with
predictions added out."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import typer
from tqdm import tqdm

from models.bundle import BundleError
from models.pipeline import Analysis, Analyzer
from models.records import Records, RecordsError, file_format, read_records
from models.taxonomy import Taxonomy, TaxonomyError, builtin_packs, find_taxonomy
from service.common.spreadsheet import safe_cell
from service.domain.runtime import build_analyzer
from service.settings import Settings


def read_rows(path: Path) -> Records:
    """The file's rows, or a one-line error (exit 2) before any model is loaded."""
    try:
        return read_records(path)
    except RecordsError as exc:  # the same one line as `mot train` gives
        fail(exc)


def fail(message: object) -> NoReturn:
    """One line on stderr and exit 2, the way `mot train` refuses."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def load_analyzer(settings: Settings) -> Analyzer:
    """The model of the settings; an encoder or bundle that cannot load is one line, not a traceback."""
    try:
        return build_analyzer(settings)
    except (BundleError, FileNotFoundError, ValueError) as exc:
        fail(exc)


def out_format(path: Path) -> str:
    try:
        return file_format(path.name)
    except RecordsError as exc:
        raise typer.BadParameter(f"--out {exc}") from None


def choose_taxonomy(
    name_or_path: str | None, settings: Settings, bundled: Taxonomy | None = None
) -> Taxonomy:
    """The named pack or file; else the setting's default; else the bundle's own; else generic."""
    name = name_or_path or settings.default_taxonomy
    if name is None:
        return bundled or builtin_packs()["generic"]
    try:
        return find_taxonomy(name, settings.taxonomy_files, settings.max_taxonomy_bytes)
    except TaxonomyError as exc:
        raise typer.BadParameter(f"--taxonomy: {exc}") from None


def check_columns(records: Records, name: str, columns: dict[str, str | None]) -> None:
    """Each option's column is in the file; `columns` maps an option (--text-col) to its value."""
    for option, column in columns.items():
        if column and column not in records.header:
            raise typer.BadParameter(
                f"{name} has no column {column!r}; its columns are {records.header}: fix {option}"
            )


def with_text(records: Records, name: str, text_col: str) -> list[int]:
    """The indices of the rows that hold a text; rows whose text is empty are skipped and named
    on stderr, so one blank row does not cost the file's other comments."""
    keep, skipped = [], []
    for index, row in enumerate(records.rows):
        text = row.get(text_col)
        (keep if isinstance(text, str) and text.strip() else skipped).append(index)
    if skipped:
        numbers = ", ".join(str(records.first_row + i) for i in skipped[:10])
        more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        typer.echo(
            f"skipped {len(skipped)} of {len(records.rows)} rows of {name} whose {text_col!r} is empty: "
            f"row {numbers}{more}",
            err=True,
        )
    if not keep:
        fail(f"{name}: no row has a {text_col!r} text: fill the column in or fix --text-col")
    return keep


def flat(analysis: Analysis) -> dict[str, Any]:
    return {
        "mot_stage": analysis.stage.label,
        "mot_stage_confidence": round(analysis.stage.confidence, 4),
        "mot_touchpoint": analysis.touchpoints[0].label if analysis.touchpoints else "",
        "mot_touchpoints": ";".join(m.label for m in analysis.touchpoints),
        "mot_sentiment": analysis.sentiment.label,
        "mot_sentiment_score": round(analysis.sentiment.score, 4),
        "mot_sentiment_confidence": round(analysis.sentiment.confidence, 4),
        "mot_text": analysis.text,
    }


def nested(analysis: Analysis) -> dict[str, Any]:
    return {
        "stage": {"label": analysis.stage.label, "confidence": round(analysis.stage.confidence, 4)},
        "touchpoints": [
            {
                "label": m.label,
                "stage": m.stage,
                "confidence": round(m.confidence, 4),
                "sentiment": {"label": m.sentiment.label, "score": round(m.sentiment.score, 4)},
                "evidence": m.evidence,
            }
            for m in analysis.touchpoints
        ],
        "sentiment": {
            "label": analysis.sentiment.label,
            "score": round(analysis.sentiment.score, 4),
            "confidence": round(analysis.sentiment.confidence, 4),
        },
        "text": analysis.text,
    }


def analyze_rows(analyzer: Analyzer, texts: list[str], taxonomy: Taxonomy, batch_size: int) -> list[Analysis]:
    """Every text analysed, batch by batch, with a progress bar that moves per batch."""
    return list(analyses_of(analyzer, texts, taxonomy, batch_size))


def analyses_of(
    analyzer: Analyzer, texts: list[str], taxonomy: Taxonomy, batch_size: int
) -> Iterator[Analysis]:
    analyzer.classifier(taxonomy)  # the taxonomy's phrases first, so the bar counts comments only
    # drawn at every batch (mininterval=0): a batch takes seconds, so there is no flicker to spare
    with tqdm(total=len(texts), unit="comment", desc="analyze", mininterval=0) as progress:
        for start in range(0, len(texts), batch_size):
            batch = analyzer.analyze(texts[start : start + batch_size], taxonomy)
            progress.update(len(batch))  # before the yield: a consumer may stop at the last one
            yield from batch


def analyze_file(
    settings: Settings, input: Path, out: Path, *, text_col: str, taxonomy: str | None, batch_size: int
) -> None:
    writes = out_format(out)
    records = read_rows(input)
    check_columns(records, input.name, {"--text-col": text_col})
    rows = [records.rows[i] for i in with_text(records, input.name, text_col)]
    # a named taxonomy is checked before the model loads, so a wrong name or file fails at once
    named = choose_taxonomy(taxonomy, settings) if taxonomy or settings.default_taxonomy else None
    analyzer = load_analyzer(settings)
    tax = named or choose_taxonomy(None, settings, analyzer.bundle.taxonomy if analyzer.bundle else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter[str] | None = None
        texts = [row[text_col] for row in rows]
        for row, analysis in zip(rows, analyses_of(analyzer, texts, tax, batch_size)):
            if writes == "jsonl":
                handle.write(json.dumps({**row, "mot": nested(analysis)}, ensure_ascii=False) + "\n")
                continue
            record = {**row, **flat(analysis)}
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(record))
                writer.writeheader()
            writer.writerow({key: safe_cell(value) for key, value in record.items()})  # formulas defused
    typer.echo(
        f"wrote {len(rows)} rows to {out} (taxonomy {tax.name}, model {analyzer.model_version})", err=True
    )
