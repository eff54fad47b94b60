"""Taxonomies posted through the API, kept as YAML documents."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.store.tables import StoredTaxonomy


def stored_documents(session: Session) -> dict[str, str]:
    """Each stored taxonomy's YAML, by name."""
    return {row.name: row.document for row in session.scalars(select(StoredTaxonomy))}


def store_document(session: Session, name: str, document: str) -> None:
    """Insert or replace the taxonomy called `name`."""
    session.merge(StoredTaxonomy(name=name, document=document, updated_at=datetime.now(UTC)))
