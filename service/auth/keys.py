"""API keys: created with scopes, stored only as a SHA-256, shown once, revocable.

A key reads `mot_<id>_<secret>`: the id finds the row without a scan, the secret (256 random
bits) is what proves it. A plain SHA-256 is enough for a secret that long (no dictionary can
reach it); a slow password hash would cost every request tens of milliseconds for nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from service.store.keys import add_key, all_keys, get_key, mark_revoked, mark_used
from service.store.tables import ApiKey

# ingest: send comments; read: everything an analyst looks at; triage: an analyst's changes
# (cluster names and status, merges, corrections, refreshes); admin: all of it, plus the model,
# taxonomies, keys and erasure.
SCOPES = ("ingest", "read", "triage", "admin")
PREFIX = "mot_"
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


class KeyRefused(ValueError):
    """A key that cannot be created or revoked, with what to fix."""


@dataclass(frozen=True)
class Principal:
    """Who a request speaks for."""

    key_id: str
    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


@dataclass(frozen=True)
class KeyInfo:
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise KeyRefused(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    return sorted(set(scopes), key=SCOPES.index)


def create_key(session: Session, name: str, scopes: list[str]) -> tuple[str, KeyInfo]:
    """A new key: returns the key itself (shown once, never stored) and its record."""
    name = name.strip()
    if not name or len(name) > 100:
        raise KeyRefused("a key needs a name of 1 to 100 characters (who or what uses it)")
    key_id = secrets.token_hex(4)
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        id=key_id,
        name=name,
        secret_hash=digest(key),
        scopes=check_scopes(scopes),
        created_at=datetime.now(UTC),
    )
    add_key(session, row)
    return key, _info(row)


def list_keys(session: Session) -> list[KeyInfo]:
    return [_info(row) for row in all_keys(session)]


def revoke_key(session: Session, key_id: str) -> KeyInfo:
    row = get_key(session, key_id)
    if row is None:
        raise KeyRefused(f"no key with id {key_id!r}: `mot keys list` shows the ids")
    if row.revoked_at is None:
        mark_revoked(session, row, datetime.now(UTC))
    return _info(row)


def verify(session: Session, key: str) -> Principal | None:
    """The key's principal, or None for a key that is malformed, unknown or revoked."""
    if not key.startswith(PREFIX) or len(key) > 200:
        return None
    key_id, _, secret = key[len(PREFIX) :].partition("_")
    if not secret:
        return None
    row = get_key(session, key_id)
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, digest(key)):
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or now - aware(row.last_used_at) > LAST_USED_EVERY:
        mark_used(session, key_id, now)
    return principal_of(row)


def principal_of(row: ApiKey) -> Principal:
    return Principal(key_id=row.id, name=row.name, scopes=frozenset(row.scopes))


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every one we write is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        name=row.name,
        scopes=list(row.scopes),
        created_at=aware(row.created_at),
        last_used_at=aware(row.last_used_at) if row.last_used_at else None,
        revoked_at=aware(row.revoked_at) if row.revoked_at else None,
    )
