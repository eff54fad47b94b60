"""Liveness and readiness."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.store.outage import first_line, reason

router = APIRouter(tags=["health"])
log = logging.getLogger("mot")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready when the model is loaded (with the default taxonomy's prototypes) and the database
    answers (within MOT_DB_CONNECT_TIMEOUT_S on PostgreSQL); `errors` says why a check failed;
    `warming` lists the taxonomies still being prepared."""
    state = getattr(request.app.state, "mot", None)
    checks = {"model": state is not None, "database": False}
    errors: dict[str, str] = {}
    if state is None:
        errors["model"] = "not loaded yet"
    else:
        try:
            with state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = True
        except SQLAlchemyError as exc:
            log.warning("not ready: database: %s", first_line(exc))
            errors["database"] = reason(exc)
    ready = all(checks.values())
    body: dict[str, object] = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "model_version": state.analyzer.model_version if state is not None else None,
        # taxonomies whose prototypes are still being embedded: requests naming them get 503
        "warming": state.warmup.status() if state is not None else [],
    }
    if errors:
        body["errors"] = errors
    headers = {} if ready or state is None else {"Retry-After": str(state.settings.retry_after_s)}
    return JSONResponse(body, status_code=200 if ready else 503, headers=headers)
