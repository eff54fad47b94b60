"""What the app holds for its lifetime, built in the lifespan and reached through deps."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.pipeline import Analyzer
from service.settings import Settings
from service.taxonomies import TaxonomyRegistry


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    analyzer: Analyzer
    taxonomies: TaxonomyRegistry
    swap_lock: threading.Lock  # one model swap at a time; requests read `analyzer` once each
