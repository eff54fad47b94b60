"""Whether a database error means "cannot be reached now" (the service answers 503 with
Retry-After, service/web/outage.py) or a bug (500), and how to say why without the server's address."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger("mot")

# SQLite's OperationalError also covers bugs ("no such table"); only these mean "try later".
SQLITE_UNAVAILABLE = ("database is locked", "database is busy", "unable to open", "disk i/o error")


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached now (as opposed to a bad query)."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        if not isinstance(exc, OperationalError):
            return False
        return is_unavailable_dbapi(exc.orig)
    return False


def is_unavailable_dbapi(orig: BaseException | None) -> bool:
    """The driver's own exception: psycopg's OperationalError (and its AdminShutdown,
    ConnectionTimeout...) is always about the connection or the server; SQLite's only for the
    messages above."""
    if isinstance(orig, sqlite3.OperationalError):
        message = str(orig).lower()
        return any(m in message for m in SQLITE_UNAVAILABLE)
    return isinstance(orig, psycopg.OperationalError)


def reason(exc: BaseException) -> str:
    """Why, for the client: short and without the server's address (the log has the details)."""
    if isinstance(exc, PoolTimeout):
        return "no free connection in the pool"
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.OperationalError):
        return str(orig)  # SQLite's messages are fixed strings: "database is locked"
    return "the connection failed or was lost"


def first_line(exc: BaseException) -> str:
    """The driver's own message, for the log."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0][:200] if text else type(orig).__name__
