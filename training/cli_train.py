"""`mot train` behind the command line: options in, checked data, a bundle out. Bad input ends
with one line that says what to fix, never a traceback."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from models.taxonomy import Taxonomy, TaxonomyError, find_taxonomy
from service.settings import Settings
from training.contrastive import ContrastiveConfig
from training.finetune import FinetuneConfig
from training.labelled import LabelledDataError, fit_taxonomy, load_labelled, sample_per_label, slug
from training.train import TrainOptions, train_bundle

MODES = ("head", "fewshot", "finetune")


def pick_taxonomy(name_or_path: str | None) -> Taxonomy | None:
    if name_or_path is None:
        return None
    try:
        return find_taxonomy(name_or_path)
    except TaxonomyError as exc:
        raise typer.BadParameter(str(exc)) from exc


def run_train(
    *,
    settings: Settings,
    data: Path,
    out: Path,
    text_col: str,
    touchpoint_col: str | None,
    stage_col: str | None,
    sentiment_col: str | None,
    taxonomy: str | None,
    mode: str,
    name: str | None,
    valid_share: float,
    seed: int,
    epochs: int | None,
    lr: float | None,
    batch_size: int | None,
    iterations: int | None,
    patience: int | None,
    device: str,
    encoder: str | None,
    min_examples: int,
    command: str,
    taxonomy_words: bool = True,
    per_label: int | None = None,
    base: Path | None = None,
) -> None:
    if mode not in MODES:
        raise typer.BadParameter(f"--mode must be one of {MODES}")
    if (out / "manifest.json").exists():
        raise typer.BadParameter(f"{out} already holds a bundle: choose another --out or remove it")
    name = slug(name or out.resolve().name)
    try:
        labelled = load_labelled(
            data,
            text_col=text_col,
            touchpoint_col=touchpoint_col,
            stage_col=stage_col,
            sentiment_col=sentiment_col,
            min_examples=min_examples,
        )
        if per_label is not None:
            head = next(h for h in ("touchpoint", "stage", "sentiment") if labelled.has(h))
            labelled = sample_per_label(labelled, head, per_label, seed)
        resolved = fit_taxonomy(labelled, pick_taxonomy(taxonomy), name)
    except LabelledDataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finetune = FinetuneConfig(seed=seed, device=device)
    finetune = replace(finetune, **_given(epochs=epochs, lr=lr, batch_size=batch_size, patience=patience))
    contrastive = ContrastiveConfig(seed=seed, device=device)
    contrastive = replace(
        contrastive, **_given(epochs=epochs, lr=lr, batch_size=batch_size, iterations=iterations)
    )
    base_bundle = None
    if base is not None:
        from models.bundle import BundleError, load_bundle

        try:
            base_bundle = load_bundle(base)
        except BundleError as exc:
            raise typer.BadParameter(str(exc)) from exc
        if base_bundle.encoder_path is None or mode != "head":
            raise typer.BadParameter(
                "--bundle takes a bundle with its own encoder (mot distill), in head mode"
            )
    options = TrainOptions(
        name=name,
        mode=mode,  # type: ignore[arg-type]
        valid_share=valid_share,
        seed=seed,
        encoder=encoder or settings.encoder_choice,
        encoder_dim=settings.encoder_dim,
        models_dir=settings.models_dir,
        cache_dir=settings.embedding_cache_dir,
        base=base_bundle,
        device=device,
        taxonomy_words=taxonomy_words,
        finetune=finetune,
        contrastive=contrastive,
    )
    train_bundle(labelled, resolved, options, out, command=command, say=lambda m: typer.echo(m, err=True))


def _given(**values: object) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}
