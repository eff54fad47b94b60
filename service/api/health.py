"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready when the model is loaded and the database answers."""
    state = getattr(request.app.state, "mot", None)
    checks = {"model": state is not None, "database": False}
    if state is not None:
        try:
            with state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = True
        except SQLAlchemyError:
            checks["database"] = False
    ready = all(checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "model_version": state.analyzer.model_version if state is not None else None,
    }
    return JSONResponse(body, status_code=200 if ready else 503)
