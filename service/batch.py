"""`mot analyze`: a CSV or JSONL file in, the same rows with predictions added out."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from tqdm import tqdm

from models.pipeline import Analysis
from models.taxonomy import Taxonomy, TaxonomyError, builtin_packs, load_taxonomy
from service.export import safe_cell
from service.runtime import build_analyzer
from service.settings import Settings

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def file_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise typer.BadParameter(f"{path.name}: use a .csv or .jsonl file") from None


def read_rows(path: Path) -> list[dict[str, Any]]:
    if file_format(path) == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise typer.BadParameter(f"{path.name} line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise typer.BadParameter(f"{path.name} line {number}: each line must be a JSON object")
            rows.append(row)
    return rows


def resolve_taxonomy(
    name_or_path: str | None, settings: Settings, bundled: Taxonomy | None = None
) -> Taxonomy:
    """The named pack or file; else the setting's default; else the bundle's own; else generic."""
    name = name_or_path or settings.default_taxonomy
    if name is None:
        return bundled or builtin_packs()["generic"]
    if Path(name).suffix in {".yaml", ".yml", ".json"}:
        try:
            return load_taxonomy(name, settings.max_taxonomy_bytes)
        except TaxonomyError as exc:
            raise typer.BadParameter(f"--taxonomy: {exc}") from None
    packs = builtin_packs()
    for path in settings.taxonomy_files:
        taxonomy = load_taxonomy(path)
        packs[taxonomy.name] = taxonomy
    if name not in packs:
        raise typer.BadParameter(f"unknown taxonomy {name!r}: use one of {sorted(packs)} or a YAML path")
    return packs[name]


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


def batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def analyze_file(input: Path, out: Path, *, text_col: str, taxonomy: str | None, batch_size: int) -> None:
    out_format = file_format(out)
    rows = read_rows(input)
    if rows and text_col not in rows[0]:
        raise typer.BadParameter(
            f"{input.name} has no column {text_col!r}; its columns are {list(rows[0])}: pass --text-col"
        )
    for number, row in enumerate(rows, start=2 if file_format(input) == "csv" else 1):
        if not isinstance(row.get(text_col), str) or not row[text_col].strip():
            raise typer.BadParameter(f"{input.name} row {number}: {text_col!r} is empty or not text")
    settings = Settings()
    # a named taxonomy is checked before the model loads, so a wrong name or file fails at once
    named = resolve_taxonomy(taxonomy, settings) if taxonomy or settings.default_taxonomy else None
    analyzer = build_analyzer(settings)
    tax = named or resolve_taxonomy(None, settings, analyzer.bundle.taxonomy if analyzer.bundle else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        out.open("w", newline="", encoding="utf-8") as handle,
        tqdm(total=len(rows), unit="comment", desc="analyze") as progress,
    ):
        writer: csv.DictWriter[str] | None = None
        for batch in batches(rows, batch_size):
            analyses = analyzer.analyze([row[text_col] for row in batch], tax)
            for row, analysis in zip(batch, analyses):
                if out_format == "jsonl":
                    handle.write(json.dumps({**row, "mot": nested(analysis)}, ensure_ascii=False) + "\n")
                    continue
                record = {**row, **flat(analysis)}
                if writer is None:
                    writer = csv.DictWriter(handle, fieldnames=list(record))
                    writer.writeheader()
                writer.writerow({key: safe_cell(value) for key, value in record.items()})  # formulas defused
            progress.update(len(batch))
    typer.echo(
        f"wrote {len(rows)} rows to {out} (taxonomy {tax.name}, model {analyzer.model_version})", err=True
    )
