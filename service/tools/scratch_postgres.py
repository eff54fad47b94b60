"""A throwaway PostgreSQL server for `mot faults`: its own data folder in a temp directory, its own
port, stopped and started at will, deleted afterwards. Nobody else's database is touched.

PostgreSQL refuses to run as root; run as root, the server runs as the `postgres` user (who then
owns the temp folder)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from service.local_server import free_port

DEFAULT_BIN = Path("/usr/lib/postgresql/15/bin")


class ScratchPostgres:
    def __init__(self, bin_dir: Path = DEFAULT_BIN) -> None:
        if not (bin_dir / "pg_ctl").is_file():
            raise FileNotFoundError(f"no pg_ctl in {bin_dir}: install PostgreSQL or pass its bin folder")
        self.bin = bin_dir
        self.user = "postgres" if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="mot-scratch-pg-"))
        if self.user:
            record = pwd.getpwnam(self.user)
            os.chown(self.folder, record.pw_uid, record.pw_gid)
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            user=self.user,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr or done.stdout}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast`: connections are cut, then a clean shutdown; `immediate`: like a crash (the next
        start replays the write-ahead log)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def __enter__(self) -> ScratchPostgres:
        self.init()
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)
