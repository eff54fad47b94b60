"""`mot adapt FILE --taxonomy T --out DIR`: the taxonomy's zero-shot scorer, adapted to a file of
unlabelled comments (models/adapt.py), written as a bundle only when it passes the checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer
from tqdm import tqdm

from models.adapt import Adaptation, AdaptConfig, adapt, adapted_bundle
from models.bundle import save_bundle
from models.pipeline import Analyzer
from models.taxonomy import Taxonomy

EMBED_BATCH = 256


def embed_texts(analyzer: Analyzer, texts: list[str]) -> np.ndarray:
    """Redacted and normalised as the service stores them, then embedded, with a progress bar."""
    clean = [analyzer.prepare(t)[0] for t in texts]
    chunks = []
    with tqdm(total=len(clean), unit="comment", desc="embed", mininterval=0) as bar:
        for start in range(0, len(clean), EMBED_BATCH):
            chunks.append(analyzer.embed(clean[start : start + EMBED_BATCH]))
            bar.update(len(chunks[-1]))
    return np.concatenate(chunks) if chunks else np.zeros((0, analyzer.encoder.dim), np.float32)


def adapt_texts(
    analyzer: Analyzer, taxonomy: Taxonomy, texts: list[str], out: Path, config: AdaptConfig, name: str
) -> Adaptation:
    result = adapt(analyzer.zero_shot_classifier(taxonomy), embed_texts(analyzer, texts), config=config)
    if result.promoted:
        bundle, card = adapted_bundle(result, taxonomy, analyzer.encoder, name, config)
        save_bundle(bundle, out, card)
    return result


def report(result: Adaptation, out: Path) -> None:
    typer.echo(json.dumps({**result.report(), "bundle": str(out) if result.promoted else None}, indent=2))
    if not result.promoted:
        typer.echo("refused: " + "; ".join(result.reasons), err=True)
        raise typer.Exit(1)
