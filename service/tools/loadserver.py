"""A real `mot serve` in a subprocess, for `mot load` and `mot faults`: start it, wait until it is
ready, kill it with SIGKILL, start it again on the same port and database, stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from service.local_server import free_port


class ServerFailed(RuntimeError):
    """`mot serve` exited or never became ready; the message ends with its last log lines."""


class ServerProcess:
    """`mot serve` (auth on unless the environment says otherwise) on 127.0.0.1:`port`, logging
    to `log`. `env` is added to this process's environment."""

    def __init__(self, database_url: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {}), "MOT_DATABASE_URL": database_url}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout_s: float = 300) -> float:
        """Start it and wait for /readyz; returns the seconds that took."""
        began = time.monotonic()
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal reaches us, not the server
            )
        self.starts += 1
        while not self.ready():
            if self.process.poll() is not None:
                raise ServerFailed(f"mot serve exited with {self.process.returncode}:\n{self.tail()}")
            if time.monotonic() - began > timeout_s:
                self.kill()
                raise ServerFailed(f"mot serve was not ready after {timeout_s:g} s:\n{self.tail()}")
            time.sleep(0.2)
        return time.monotonic() - began

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no drain, whatever was in flight is cut off."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, grace_s: float = 60) -> None:
        """SIGTERM (the graceful shutdown), SIGKILL after `grace_s`."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def ingest_key(database_url: str, name: str = "mot-load") -> str:
    """A new key with the ingest scope, made straight in the database (as `mot keys create`)."""
    from service.auth.keys import create_key
    from service.store.engine import make_engine, migrate, session_factory

    engine = make_engine(database_url)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            key, _ = create_key(session, name, ["ingest"])
    finally:
        engine.dispose()
    return key
