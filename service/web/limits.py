"""Request body size limit, enforced before the body is parsed (pure ASGI middleware)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.web.refuse import send_refusal


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    setting: str = "MOT_MAX_BODY_BYTES"
    advice: str = "send smaller batches"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, paths: dict[str, Limit] | None = None) -> None:
        """`paths`: a limit of their own for some paths (file uploads are larger than batches)."""
        self.app = app
        self.max_bytes = max_bytes
        self.paths = paths or {}

    def _message(self, size: str, limit: Limit) -> bytes:
        return json.dumps({"detail": _detail(size, limit)}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"]) or Limit(self.max_bytes)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit.max_bytes:
            await self._reject(send, length.decode(), limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    raise _TooLarge(_detail(f"more than {limit.max_bytes}", limit))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send, f"more than {limit.max_bytes}", limit)

    async def _reject(self, send: Send, size: str, limit: Limit) -> None:
        await send_refusal(send, 413, self._message(size, limit))


def _detail(size: str, limit: Limit) -> str:
    return f"request body is {size} bytes; the limit is {limit.max_bytes} ({limit.setting}): {limit.advice}"


class _TooLarge(HTTPException):
    """Raised while the body streams in (no Content-Length, or a false one). An HTTPException,
    because FastAPI turns any other error met reading the body into "400 error parsing the body";
    this one it passes on, and the app answers it as the 413 it is."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)
