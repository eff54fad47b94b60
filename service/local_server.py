"""Run the app on a free local port in a background thread: real HTTP for the evaluation and
benchmark commands, without a second process to manage."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from service.main import create_app
from service.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_server(settings: Settings, startup_timeout: float = 300) -> Iterator[str]:
    port = free_port()
    app = create_app(settings.model_copy(update={"host": "127.0.0.1", "port": port}))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the local server did not start; see the log above")
        time.sleep(0.1)
    # every known taxonomy's prototypes, so that no request of the caller meets a 503 for them
    while app.state.mot.warmup.pending():
        if time.monotonic() > deadline:
            raise RuntimeError(f"taxonomies still warming after {startup_timeout} s")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
