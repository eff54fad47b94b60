"""The model in service as /v1/model and the model page show it: versions, manifest, card, and
how many stored embeddings still wait for its encoder."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from models.bundle import CARD
from models.pipeline import Analyzer
from service.schemas import ModelInfo
from service.store.comments import stale_count


def model_info(analyzer: Analyzer, sessions: sessionmaker[Session]) -> ModelInfo:
    bundle = analyzer.bundle
    card = None
    if bundle is not None and bundle.path is not None and (bundle.path / CARD).is_file():
        card = (bundle.path / CARD).read_text(encoding="utf-8")
    return ModelInfo(
        model_version=analyzer.model_version,
        encoder=analyzer.encoder.version,
        bundle=bundle.manifest() if bundle else None,
        card=card,
        stale_embeddings=stale_count(sessions, analyzer.encoder.version),
    )
