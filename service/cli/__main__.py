"""`python -m service.cli`: the `mot` command without its console script."""

from service.cli import app

app()
