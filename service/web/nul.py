"""NUL in a URL: refused before any route sees it."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from service.web.refuse import send_refusal


class RefuseNul:
    """A NUL in the path or the query string (%00) is refused with 400 before any route runs: no
    id or filter holds one, and PostgreSQL would fail on it in a comparison."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(scope.get("query_string", b""))
        ):
            await send_refusal(send, 400, b'{"detail": "the URL holds a NUL character (%00): remove it"}')
            return
        await self.app(scope, receive, send)
