"""Customer ids are stored only as a keyed hash (HMAC-SHA256): the same id always finds the same
comments for erasure, but the database alone does not give the id back, and without the key an
id cannot be tested against it."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session, sessionmaker

from service.settings import Settings
from service.store.secrets import stored_secret

KEY_NAME = "customer_hmac_key"


def customer_key(settings: Settings, sessions: sessionmaker[Session]) -> bytes:
    """MOT_SECRET_KEY when set; else a random key made once and kept in the `secrets` table, so
    hashes stay the same across restarts (a new key would orphan every stored hash)."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode()
        # Checked here, not in a settings validator: pydantic's errors print the input value.
        if len(key) < 16:
            raise ValueError("MOT_SECRET_KEY is shorter than 16 bytes: use e.g. `openssl rand -hex 32`")
        return key
    return stored_secret(sessions, KEY_NAME)


def customer_hash(key: bytes, customer_id: str) -> str:
    return hmac.new(key, customer_id.encode(), hashlib.sha256).hexdigest()
