"""One pure ASGI middleware per request: a request id (the client's X-Request-ID if well formed,
else a new one) echoed in the response and bound to the log context, one log line, and the
request count and latency metrics by route template."""

from __future__ import annotations

import logging
import re
import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.telemetry.metrics import Metrics

HEADER = "X-Request-ID"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # paths no route knows share one label, so scanners cannot add series

INTERNAL_ERROR = b'{"detail":"Internal Server Error"}'

log = logging.getLogger("mot.request")


def request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if VALID_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/clusters/{cluster_id}`), set by the router."""
    return getattr(scope.get("route"), "path", None) or UNMATCHED


class Observe:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        tokens = structlog.contextvars.bind_contextvars(request_id=rid)
        status = 500  # stays so if the app raises before answering
        answered = False
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                MutableHeaders(scope=message).append(HEADER, rid)
            await send(message)

        failed = True
        try:
            await self.app(scope, receive, send_with_id)
            failed = False
        except Exception:
            if not answered:  # answer the 500 here, so that it too carries the id to quote
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"%d" % len(INTERNAL_ERROR)),
                ]
                await send_with_id({"type": "http.response.start", "status": 500, "headers": headers})
                await send_with_id({"type": "http.response.body", "body": INTERNAL_ERROR})
            raise  # Starlette's error middleware sees the answer sent; uvicorn logs the traceback
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
            self.metrics.latency.labels(route=route).observe(seconds)
            client = scope.get("client")
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                },
            )
            if not failed:
                # Kept on failure: uvicorn logs the traceback in this same task, with the id.
                structlog.contextvars.reset_contextvars(**tokens)
