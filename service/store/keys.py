"""API keys and the web UI's sessions as rows (only hashes of keys and tokens are stored)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from service.store.tables import ApiKey, UiSession


def add_key(session: Session, row: ApiKey) -> ApiKey:
    session.add(row)
    session.commit()
    return row


def all_keys(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at)).all()


def get_key(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def mark_revoked(session: Session, row: ApiKey, when: datetime) -> None:
    row.revoked_at = when
    session.commit()


def mark_used(session: Session, key_id: str, when: datetime) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=when))
    session.commit()


def add_ui_session(session: Session, row: UiSession, now: datetime) -> None:
    """Store a new session, sweeping the expired ones."""
    session.execute(delete(UiSession).where(UiSession.expires_at < now))
    session.add(row)
    session.commit()


def get_ui_session(session: Session, token_hash: str) -> UiSession | None:
    return session.get(UiSession, token_hash)


def delete_ui_session(session: Session, token_hash: str) -> None:
    session.execute(delete(UiSession).where(UiSession.token_hash == token_hash))
    session.commit()
