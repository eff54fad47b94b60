"""`mot keys create|list|revoke`: API keys, straight in the database (no server needed)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from service.auth.keys import SCOPES, KeyInfo, KeyRefused, create_key, list_keys, revoke_key
from service.cli.context import settings_of

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


def _sessions(ctx: typer.Context, database_url: str | None):  # type: ignore[no-untyped-def]
    from service.store.engine import make_engine, migrate, session_factory

    settings = settings_of(ctx)
    engine = make_engine(database_url or settings.database_url, settings.sqlite_synchronous)
    migrate(engine)
    return session_factory(engine)


def _as_json(info: KeyInfo) -> dict[str, object]:
    return {
        "id": info.id,
        "name": info.name,
        "scopes": info.scopes,
        "created_at": info.created_at.isoformat(),
        "last_used_at": info.last_used_at.isoformat() if info.last_used_at else None,
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
    }


DatabaseOption = Annotated[str | None, typer.Option(help="the store (default MOT_DATABASE_URL)")]


@keys_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="who or what uses the key, e.g. zendesk-webhook")],
    scope: Annotated[
        list[str], typer.Option("--scope", "-s", help=f"repeat for several: {', '.join(SCOPES)}")
    ],
    database_url: DatabaseOption = None,
) -> None:
    """Make a key. It is printed once: store it now, only its hash is kept."""
    with _sessions(ctx, database_url)() as session:
        try:
            key, info = create_key(session, name, scope)
        except KeyRefused as exc:
            typer.echo(f"refused: {exc}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(json.dumps({"key": key, **_as_json(info)}))
    typer.echo("Store the key now: it is not shown again.", err=True)


@keys_app.command("list")
def list_(ctx: typer.Context, database_url: DatabaseOption = None) -> None:
    """Every key (never the key itself): id, name, scopes, created, last used, revoked."""
    with _sessions(ctx, database_url)() as session:
        typer.echo(json.dumps([_as_json(info) for info in list_keys(session)], indent=1))


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="the key's id, from `mot keys list`")],
    database_url: DatabaseOption = None,
) -> None:
    """Refuse the key from now on (its web sessions end too)."""
    with _sessions(ctx, database_url)() as session:
        try:
            info = revoke_key(session, key_id)
        except KeyRefused as exc:
            typer.echo(f"refused: {exc}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(json.dumps(_as_json(info)))
