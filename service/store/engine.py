"""Engine creation and schema migration (Alembic, run at start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, sqlite_synchronous: str = "FULL", connect_timeout_s: int = 5) -> Engine:
    """SQLite waits up to 30 s for a lock (a cluster refresh writes for a while); PostgreSQL gives
    up connecting after `connect_timeout_s`, so an outage answers 503 quickly, and pre-pings
    pooled connections, so the pool heals by itself when the server is back."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets readers run beside the writer; synchronous=FULL makes a commit durable
            # before the API acknowledges it.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    connect_args = {}
    if url.startswith("postgresql"):
        # tcp_user_timeout: a server that vanished without closing the socket fails the next
        # send after this long, instead of after the kernel's retransmissions (minutes).
        connect_args = {"connect_timeout": connect_timeout_s, "tcp_user_timeout": connect_timeout_s * 1000}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args=connect_args)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
