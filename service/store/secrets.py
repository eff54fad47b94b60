"""Secrets the service generates once and keeps in its database."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from service.store.tables import Secret


def stored_secret(sessions: sessionmaker[Session], name: str, nbytes: int = 32) -> bytes:
    """The secret `name`, made on first use. ON CONFLICT DO NOTHING then a read: two workers
    starting at once both end up with the one that was stored first."""
    with sessions.begin() as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(Secret.__table__)
            .values(name=name, value=secrets.token_hex(nbytes), created_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["name"])
        )
    with sessions() as session:
        return bytes.fromhex(session.scalar(select(Secret.value).where(Secret.name == name)) or "")
