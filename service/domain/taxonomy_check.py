"""A taxonomy's check (models/taxonomy_check.py) on real comments: a file's texts, or the latest
stored comments embedded by the encoder in service."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from models.pipeline import Analyzer
from models.taxonomy import Taxonomy
from models.taxonomy_check import TaxonomyCheck, check_taxonomy
from service.store.comments import recent_embeddings

EMBED_BATCH = 256


def check_with_texts(analyzer: Analyzer, taxonomy: Taxonomy, texts: list[str]) -> TaxonomyCheck:
    classifier = analyzer.zero_shot_classifier(taxonomy)
    if not texts:
        return check_taxonomy(classifier)
    clean = [analyzer.prepare(t)[0] for t in texts]
    vectors = np.concatenate(
        [analyzer.embed(clean[i : i + EMBED_BATCH]) for i in range(0, len(clean), EMBED_BATCH)]
    )
    return check_taxonomy(classifier, vectors)


def check_with_stored(
    analyzer: Analyzer, taxonomy: Taxonomy, sessions: sessionmaker[Session], limit: int
) -> TaxonomyCheck:
    """On the latest `limit` stored comments (of any taxonomy): they are what the taxonomy will meet."""
    classifier = analyzer.zero_shot_classifier(taxonomy)
    with sessions() as session:
        sample = recent_embeddings(session, analyzer.encoder.version, limit)
    return check_taxonomy(classifier, sample if len(sample) else None)
