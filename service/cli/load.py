"""`mot load` and `mot faults`: many clients against a real server (auth on), then every
acknowledged comment checked in the database; prints JSON, exits 1 when something was lost,
stored twice or failed."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from service.cli.context import require_tools

Clients = Annotated[int, typer.Option(min=1, help="concurrent clients (threads)")]
Batch = Annotated[int, typer.Option(min=1, help="comments per request")]
Out = Annotated[Path | None, typer.Option(help="also write the JSON here")]


def machine() -> dict[str, Any]:
    """What else the machine was doing: the numbers mean little without it."""
    return {"cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2)}


def finish(result: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(result, indent=2)
    if out is not None:
        out.write_text(text + "\n")
    typer.echo(text)
    if not result["ok"]:
        raise typer.Exit(1)


def load(
    clients: Clients = 50,
    seconds: Annotated[float, typer.Option(min=1, help="how long new batches are sent")] = 300,
    batch: Batch = 20,
    database_url: Annotated[
        str | None,
        typer.Option(help="the server's database, checked afterwards; default: a new SQLite file"),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(help="load this running server instead of starting one (needs --database-url)"),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            envvar="MOT_API_KEY", help="with --url: an ingest key; default: one made in the database"
        ),
    ] = None,
    taxonomy: Annotated[str | None, typer.Option(help="default: the server's")] = None,
    out: Out = None,
) -> None:
    """Load POST /v1/comments with many clients (retrying 429, 503 and cut connections with the
    same ids), then check that every acknowledged comment is stored exactly once (JSON)."""
    require_tools("load")
    from service.tools.loadreport import report
    from service.tools.loadserver import ServerProcess, ingest_key
    from service.tools.loadtest import LoadConfig, run_load

    if url is not None and database_url is None:
        raise typer.BadParameter("--url needs --database-url: the check reads the server's database")
    config = LoadConfig(clients=clients, seconds=seconds, batch=batch, taxonomy=taxonomy)
    before = machine()
    with tempfile.TemporaryDirectory(prefix="mot-load-") as folder:
        database_url = database_url or f"sqlite:///{Path(folder) / 'load.db'}"
        server = None
        if url is None:
            server = ServerProcess(database_url, Path(folder) / "server.log", {"MOT_AUTH": "true"})
            key = ingest_key(database_url)
            server.start()
            url = server.url
        elif key is None:
            key = ingest_key(database_url)
        try:
            run = run_load(url, key, config)
        finally:
            if server is not None:
                server.stop()
        result = report(run, database_url)
    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    finish({**result, "database": backend, "machine_before": before, "machine_after": machine()}, out)


def faults(
    scenario: Annotated[str, typer.Option(help="kill | postgres | both")] = "both",
    clients: Clients = 16,
    seconds: Annotated[float, typer.Option(min=10, help="how long new batches are sent")] = 90,
    batch: Batch = 20,
    outage: Annotated[float, typer.Option(min=1, help="postgres: seconds the database stays down")] = 10,
    stop_mode: Annotated[
        str, typer.Option(help="postgres: pg_ctl stop mode, fast (clean) or immediate (a crash)")
    ] = "fast",
    database_url: Annotated[
        str | None, typer.Option(help="kill: the database (default: a new SQLite file)")
    ] = None,
    postgres_bin: Annotated[Path, typer.Option(help="postgres, both: where initdb and pg_ctl are")] = Path(
        "/usr/lib/postgresql/15/bin"
    ),
    out: Out = None,
) -> None:
    """Faults under load (JSON): kill -9 of the server and a restart, a PostgreSQL outage (a
    throwaway server of its own, stopped and started), or both; then the same check as `mot load`."""
    require_tools("faults")
    from service.tools.faults import SCENARIOS, run_faults
    from service.tools.loadtest import LoadConfig

    if scenario not in SCENARIOS:
        raise typer.BadParameter(f"--scenario must be one of {', '.join(SCENARIOS)}")
    if stop_mode not in ("fast", "immediate"):
        raise typer.BadParameter("--stop-mode must be fast or immediate")
    if database_url is not None and scenario != "kill":
        raise typer.BadParameter(
            "--database-url is for --scenario kill; the others make their own PostgreSQL"
        )
    config = LoadConfig(clients=clients, seconds=seconds, batch=batch)
    before = machine()
    result = run_faults(scenario, config, database_url, outage, stop_mode, postgres_bin)
    finish({**result, "machine_before": before, "machine_after": machine()}, out)
