"""The analysts' web UI, served by the same app: server-rendered pages (Jinja2, autoescaped),
charts as inline SVG, one small script; nothing is fetched from anywhere else."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from service.ui import (
    actions,
    clusters,
    comments,
    highlights,
    journey,
    login,
    model,
    moments,
    segments,
    upload,
)
from service.ui.render import HERE


def mount_ui(app: FastAPI) -> None:
    for module in (login, journey, moments, segments, clusters, highlights, actions, comments, upload, model):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/")
