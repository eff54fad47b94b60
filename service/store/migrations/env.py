"""Alembic environment: runs on the connection handed over by service.store.engine.migrate,
or on MOT_DATABASE_URL when called from the alembic command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from service.settings import Settings
from service.store.tables import Base

config = context.config


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch mode for ALTERs
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with create_engine(Settings().database_url).begin() as conn:
        run(conn)
