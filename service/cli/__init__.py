"""The `mot` command: every job a user runs is one subcommand."""

from __future__ import annotations

import typer

from service.cli import bench, files, models, serve, store
from service.cli.encoders import encoders_app
from service.cli.keys import keys_app
from service.cli.load import faults, load
from service.cli.taxonomy import taxonomy_app

app = typer.Typer(help="MOT Miner: moments-of-truth mining from customer comments.", no_args_is_help=True)
app.command()(serve.serve)
app.command()(files.analyze)
app.command()(files.mine)
app.command()(store.cluster)
app.command()(models.train)
app.command()(models.adapt)
app.command()(models.distill)
app.command()(models.evaluate)
app.command("evaluate-clusters")(models.evaluate_clusters)
app.command()(models.swap)
app.command()(bench.bench)
app.command("bench-ui")(bench.bench_ui)
app.command()(store.retention)
app.add_typer(keys_app, name="keys")
app.add_typer(encoders_app, name="encoders")
app.add_typer(taxonomy_app, name="taxonomy")
app.command()(load)
app.command()(faults)
