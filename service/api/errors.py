"""The body of every refusal, documented once in the OpenAPI schema: clients (and fuzzers) can
rely on it for each status the service may answer besides success."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from service.domain.errors import Conflict, Invalid, NotFound


class ErrorOut(BaseModel):
    """A refusal: `detail` says what is wrong and what to change."""

    detail: str | dict[str, Any] = Field(
        description="what to fix; POST /v1/analyze: {message, errors} with each item's error"
    )
    errors: list[dict[str, Any]] | None = Field(
        None, description="invalid requests: each field's location, message and type"
    )


WHY = {
    400: "the body is not valid JSON (or not UTF-8)",
    401: "no API key, or an unknown or revoked one",
    403: "the key lacks the scope, or a page's CSRF token is missing",
    404: "not found",
    409: "conflicts with the current state",
    413: "the body, batch or file is larger than its limit",
    422: "invalid request: `detail` names each field to fix",
    429: "too many requests (rate limit or full queue): see Retry-After",
    503: "the database or the model cannot answer now: see Retry-After",
}

# What any authenticated endpoint may answer besides its success.
COMMON = (400, 401, 403, 413, 422, 429, 503)


def refusals(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route or router: each code with ErrorOut and why it happens;
    `descriptions` (as `e404="no such cluster"`) says more for one route."""
    return {
        code: {"model": ErrorOut, "description": descriptions.get(f"e{code}", WHY[code])} for code in codes
    }


def json_refusals(schema: dict[str, Any]) -> dict[str, Any]:
    """Refusals are JSON on every route, but FastAPI documents a route's extra responses in the
    route's own media type (text/csv, text/plain): move each 4xx/5xx body back to JSON."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content")
                if code[0] in "45" and content and "application/json" not in content:
                    response["content"] = {"application/json": next(iter(content.values()))}
    return schema


def domain_refusals(app: FastAPI) -> None:
    """Answer what the domain refuses (service/domain/errors.py) with its status and message."""
    for error, code in ((NotFound, 404), (Conflict, 409), (Invalid, 422)):

        async def handler(_: Request, exc: Exception, code: int = code) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=code)

        app.add_exception_handler(error, handler)
