"""A JSON refusal sent from an ASGI middleware, before (or instead of) any route."""

from __future__ import annotations

from starlette.types import Send


async def send_refusal(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
