"""`mot serve`: the API and the analysts' pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.context import settings_of


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="interface to bind (default MOT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default MOT_PORT)")] = None,
    bundle: Annotated[
        Path | None, typer.Option(help="model bundle folder from `mot train` (default MOT_MODEL_BUNDLE)")
    ] = None,
) -> None:
    """Run the API server (docs at /docs)."""
    import uvicorn

    from service.main import create_app
    from service.telemetry.logging import configure_logging

    settings = settings_of(ctx)
    # the options become the settings, so that what the app says (the auth-off warning) is where it listens
    chosen = {"model_bundle": bundle, "host": host, "port": port}
    settings = settings.model_copy(update={k: v for k, v in chosen.items() if v is not None})
    configure_logging(settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        log_config=None,  # keep the JSON logging configured above
        access_log=False,  # service.web.observe logs each request, with its id
    )
