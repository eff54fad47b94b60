"""Adapt a taxonomy to its stored comments (models/adapt.py) and, when the head passes its checks,
write it as a bundle and serve it. Analysts' touchpoint corrections outrank pseudo-labels."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from models.adapt import AdaptConfig, adapt, adapted_bundle
from models.bundle import save_bundle
from models.pipeline import Analyzer
from models.taxonomy import Taxonomy
from service.jobs.registry import Job
from service.settings import Settings
from service.store.comments import taxonomy_embeddings
from service.store.corrections import latest_corrections


def adapt_work(
    sessions: sessionmaker[Session],
    current: Callable[[], Analyzer],
    taxonomy: Taxonomy,
    settings: Settings,
    promote: Callable[[Path], Analyzer],
) -> Callable[[Job, threading.Event], None]:
    def work(job: Job, stopping: threading.Event) -> None:
        analyzer = current()
        with sessions() as session:
            ids, vectors = taxonomy_embeddings(
                session, taxonomy.name, analyzer.encoder.version, settings.adapt_max_comments
            )
            fixed = latest_corrections(session, ids)
        job.total = len(ids)
        known = {tp.id for tp in taxonomy.touchpoints}
        corrections = {
            row: fixed[cid]["touchpoint"]
            for row, cid in enumerate(ids)
            if fixed.get(cid, {}).get("touchpoint") in known
        }
        config = AdaptConfig(min_comments=settings.adapt_min_comments)
        result = adapt(analyzer.zero_shot_classifier(taxonomy), vectors, corrections, config)
        job.done = len(ids)
        job.result = {**result.report(), "bundle": None, "model_version": analyzer.model_version}
        if not result.promoted or stopping.is_set():
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        bundle, card = adapted_bundle(result, taxonomy, analyzer.encoder, f"{taxonomy.name}-adapted", config)
        folder = settings.adapt_dir / f"{taxonomy.name}-{stamp}-{job.id}"
        save_bundle(bundle, folder, card)
        served = promote(folder)
        job.result.update(bundle=str(folder), model_version=served.model_version)

    return work
