"""A database that cannot be reached answers 503 with Retry-After, never 500: the client's retry
is safe (POST /v1/comments is idempotent) and the engine's pre-ping reconnects by itself once the
database is back."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import JSONResponse

from service.store.outage import first_line, is_unavailable, reason

log = logging.getLogger("mot")


def unavailable_response(exc: BaseException, retry_after_s: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"database unavailable: {reason(exc)}; retry later"},
        status_code=503,
        headers={"Retry-After": str(retry_after_s)},
    )


def database_error_handler(retry_after_s: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """The exception handler for SQLAlchemy's DBAPIError and pool timeouts."""

    async def handler(_: Request, exc: Exception) -> JSONResponse:
        if not is_unavailable(exc):
            raise exc  # a bad query is a bug: a 500, with its traceback in the log
        log.warning("database unavailable: %s", first_line(exc))
        return unavailable_response(exc, retry_after_s)

    return handler
