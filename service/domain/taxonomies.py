"""The taxonomies the service knows: shipped packs, files named in settings, the taxonomy of
the model bundle in service, and those posted through the API (stored in the database so they
survive a restart)."""

from __future__ import annotations

import threading
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from models.taxonomy import MAX_FILE_BYTES, Taxonomy, builtin_packs, load_taxonomy, parse_taxonomy
from service.store.taxonomies import store_document, stored_documents

Origin = Literal["builtin", "file", "api", "bundle"]


class UnknownTaxonomy(KeyError):
    pass


class TaxonomyRegistry:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        files: list,
        default: str | None,
        bundle_taxonomy: Taxonomy | None = None,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._items: dict[str, tuple[Taxonomy, Origin]] = {
            name: (t, "builtin") for name, t in builtin_packs().items()
        }
        for path in files:
            taxonomy = load_taxonomy(path, max_bytes)  # a bad file stops start-up with the field to fix
            self._items[taxonomy.name] = (taxonomy, "file")
        with sessions() as session:
            for name, document in stored_documents(session).items():
                self._items[name] = (parse_taxonomy(document), "api")
        if bundle_taxonomy is not None:
            self._items[bundle_taxonomy.name] = (bundle_taxonomy, "bundle")
        default = default or (bundle_taxonomy.name if bundle_taxonomy else "generic")
        if default not in self._items:
            raise ValueError(
                f"MOT_DEFAULT_TAXONOMY={default!r} is not a known taxonomy; known: {sorted(self._items)}"
            )
        self.default = default

    def get(self, name: str | None) -> Taxonomy:
        key = name or self.default
        with self._lock:
            if key not in self._items:
                raise UnknownTaxonomy(
                    f"unknown taxonomy {key!r}: use one of {sorted(self._items)} or POST it to /v1/taxonomies"
                )
            return self._items[key][0]

    def items(self) -> list[tuple[Taxonomy, Origin]]:
        with self._lock:
            return list(self._items.values())

    def use_bundle(self, taxonomy: Taxonomy) -> None:
        """The taxonomy of a bundle swapped in: its trained heads serve requests that name it."""
        with self._lock:
            self._items[taxonomy.name] = (taxonomy, "bundle")

    def add(self, taxonomy: Taxonomy) -> None:
        """Store a taxonomy posted through the API; a shipped pack cannot be replaced."""
        with self._lock:
            origin = self._items.get(taxonomy.name, (None, "api"))[1]
            if origin in ("builtin", "bundle"):
                raise ValueError(
                    f"'{taxonomy.name}' is a {'shipped pack' if origin == 'builtin' else 'model bundle taxonomy'}"
                    " and cannot be replaced: give yours another name"
                )
        with self._sessions.begin() as session:
            store_document(session, taxonomy.name, taxonomy.to_yaml())
        with self._lock:
            self._items[taxonomy.name] = (taxonomy, "api")
