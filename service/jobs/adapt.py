"""Adapt a taxonomy to its stored comments (models/adapt.py) and, when the head passes its checks,
write it as a bundle and serve it. Analysts' touchpoint corrections outrank pseudo-labels. The
server runs this by itself for a taxonomy that has reached MOT_ADAPT_MIN_COMMENTS (see
`due_for_adaptation`), and on POST /v1/admin/adapt."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from models.adapt import AdaptConfig, adapt, adapted_bundle
from models.bundle import Bundle, save_bundle
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


def due_for_adaptation(
    bundle: Bundle | None,
    taxonomies: list[Taxonomy],
    counts: dict[str, int],
    tried: dict[str, int],
    min_comments: int,
) -> tuple[Taxonomy | None, str]:
    """The taxonomy to adapt now, if any, and why (or why none). A taxonomy is due when it has
    `min_comments` stored comments and twice as many as at its last adaptation (`tried`, or the
    count the adapted model serving was fitted on): each refit then sees a much larger sample,
    and a refusal is not retried on the same comments. `bundle` is the one serving."""
    if bundle is not None and "touchpoint" in bundle.heads and bundle.mode != "adapted":
        return None, f"model {bundle.version} was trained on labels: an adapted head would displace it"
    known = {t.name: t for t in taxonomies}
    candidates = list(known)
    tried = dict(tried)
    if bundle is not None and bundle.mode == "adapted" and bundle.taxonomy is not None:
        # another taxonomy's head would displace the adapted one serving
        candidates = [bundle.taxonomy.name]
        fitted_on = int(bundle.metrics.get("adaptation", {}).get("comments", 0))
        tried.setdefault(bundle.taxonomy.name, fitted_on)
    due = [name for name in candidates if counts.get(name, 0) >= max(min_comments, 2 * tried.get(name, 0))]
    if not due:
        return None, f"no taxonomy has {min_comments} stored comments, and twice as many as when last adapted"
    name = max(due, key=lambda n: counts[n])
    return known[name], f"{counts[name]} stored comments (last adapted on {tried.get(name, 0)})"
