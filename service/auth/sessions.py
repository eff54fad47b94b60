"""The web UI's sign-in: an analyst pastes a key once; the browser then holds a session cookie.

The cookie carries a random token; the database keeps its hash, the key it stands for and a CSRF
token. A revoked key ends its sessions at once (they are checked against the key on every
request). Forms and scripts that change anything send the CSRF token in a header, which another
site's page cannot read or forge; the cookie is also SameSite=Strict.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from service.auth.keys import Principal, aware, digest, principal_of
from service.store.keys import add_ui_session, delete_ui_session, get_key, get_ui_session
from service.store.tables import UiSession

COOKIE = "mot_session"
CSRF_HEADER = "x-csrf-token"


def open_session(session: Session, key_id: str, hours: float) -> tuple[str, str]:
    """A new session for the key: returns (cookie token, CSRF token)."""
    now = datetime.now(UTC)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = UiSession(
        token_hash=digest(token), key_id=key_id, csrf=csrf, expires_at=now + timedelta(hours=hours)
    )
    add_ui_session(session, row, now)
    return token, csrf


def find_session(session: Session, token: str) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session, or None."""
    row = get_ui_session(session, digest(token))
    if row is None or aware(row.expires_at) < datetime.now(UTC):
        return None
    key = get_key(session, row.key_id)
    if key is None or key.revoked_at is not None:
        return None
    return principal_of(key), row.csrf


def close_session(session: Session, token: str) -> None:
    delete_ui_session(session, digest(token))
