"""What the commands of one run of `mot` share: the settings, read from the environment once by
the first command that needs them; and whether the load and benchmark tools are installed (the
Docker image leaves service/tools out: a production server has no use for them)."""

from __future__ import annotations

from importlib.util import find_spec

import typer

from service.settings import Settings


def settings_of(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def require_tools(command: str) -> None:
    if find_spec("service.tools") is None:
        typer.echo(
            f"error: `mot {command}` needs the load and benchmark tools (service/tools), which this "
            "installation leaves out (the Docker image does): run it from a source checkout",
            err=True,
        )
        raise typer.Exit(2)
