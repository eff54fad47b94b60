"""`mot cluster` and `mot retention`: jobs on the store, for cron."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from service.cli.context import settings_of


def cluster(
    ctx: typer.Context,
    database_url: Annotated[
        str | None, typer.Option(help="the store to refresh (default MOT_DATABASE_URL)")
    ] = None,
) -> None:
    """Refresh the pain clusters of the stored comments, as POST /v1/clusters/refresh does; for
    cron. A running server assigns new comments by the clusters it loaded until its own next
    refresh or restart."""

    from service.domain.runtime import build_analyzer
    from service.jobs.clusters import refresh
    from service.store.engine import make_engine, migrate, session_factory

    settings = settings_of(ctx)
    if database_url is not None:
        settings = settings.model_copy(update={"database_url": database_url})
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    migrate(engine)
    encoder_version = build_analyzer(settings).encoder.version
    index = refresh(session_factory(engine), encoder_version, settings)
    engine.dispose()
    typer.echo(json.dumps({"scope": settings.cluster_scope, "clusters": len(index.ids)}))


def retention(
    ctx: typer.Context,
    days: Annotated[
        int | None, typer.Option(min=0, help="blank texts older than this (default MOT_RETENTION_DAYS)")
    ] = None,
) -> None:
    """Blank the text of comments older than the retention period once, in MOT_DATABASE_URL;
    prints {"blanked": N}. The server runs the same on a schedule when MOT_RETENTION_DAYS > 0."""

    from service.jobs.retention import blank_expired
    from service.store.engine import make_engine, migrate, session_factory

    settings = settings_of(ctx)
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    try:
        migrate(engine)
        with session_factory(engine).begin() as session:
            blanked = blank_expired(session, settings.retention_days if days is None else days)
    finally:
        engine.dispose()
    typer.echo(json.dumps({"blanked": blanked}))
