"""Analyse and store a batch of comments: the one path shared by POST /v1/comments and the CSV
upload job, so an uploaded row is stored exactly like a posted one."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from models.pipeline import Analyzer
from models.taxonomy import Taxonomy
from service.domain.cluster_index import ClusterIndex
from service.domain.inference import InferenceQueue
from service.domain.privacy import customer_hash
from service.domain.results import to_result
from service.schemas import IngestResponse, ItemStatus, validate_items
from service.settings import Settings
from service.store.comments import insert_comment
from service.telemetry.metrics import Metrics

DEFAULT_SOURCE = "api"


class Ingesting(Protocol):
    """What storing comments needs of the app (service/state.py's AppState has it all)."""

    settings: Settings
    sessions: sessionmaker[Session]
    analyzer: Analyzer
    inference: InferenceQueue
    clusters: ClusterIndex
    customer_key: bytes
    metrics: Metrics


def ingest_items(
    state: Ingesting, items: list[Any], taxonomy: Taxonomy, queued: bool = True
) -> IngestResponse:
    """Validate item by item, analyse the valid ones in one model call, store them in one
    transaction (idempotent on source and id); returns after the commit. `queued`: through the
    inference queue (API requests, which may be refused when it is full); a background upload
    calls the model directly, taking its turn at the model's lock."""
    valid, errors = validate_items(items, state.settings)
    statuses = [ItemStatus(index=e.index, id=e.id, status="invalid", message=e.message) for e in errors]
    analyzer = state.analyzer  # one model for the whole batch, even across a swap
    if valid:
        texts = [item.text for _, item in valid]
        analyses = (
            state.inference.analyze(analyzer, texts, taxonomy)
            if queued
            else analyzer.analyze(texts, taxonomy)
        )
        if not queued:  # the queue counts what it analyses
            state.metrics.count_languages(analyses)
        cluster_ids = state.clusters.assign(
            [a.embedding for a in analyses], [a.sentiment.label for a in analyses], analyzer.encoder.version
        )
        with state.sessions.begin() as session:
            for (index, item), analysis, cluster_id in zip(valid, analyses, cluster_ids):
                inserted = insert_comment(
                    session,
                    analysis,
                    created_at=item.created_at,
                    metadata=item.metadata,
                    source=item.source or DEFAULT_SOURCE,
                    external_id=item.id or uuid.uuid4().hex,
                    taxonomy=taxonomy.name,
                    model_version=analyzer.model_version,
                    embedding_model=analyzer.encoder.version,
                    cluster_id=cluster_id,
                    customer_hash=customer_hash(state.customer_key, item.customer_id)
                    if item.customer_id
                    else None,
                )
                statuses.append(
                    ItemStatus(
                        index=index,
                        id=inserted.external_id,
                        status="created" if inserted.comment_id else "duplicate",
                        comment_id=inserted.comment_id,
                        result=to_result(inserted.external_id, analysis),
                    )
                )
    statuses.sort(key=lambda s: s.index)
    count_ingested(state.metrics, items, statuses)
    return IngestResponse(
        model_version=analyzer.model_version,
        taxonomy=taxonomy.name,
        created=sum(s.status == "created" for s in statuses),
        duplicates=sum(s.status == "duplicate" for s in statuses),
        invalid=len(errors),
        items=statuses,
    )


def count_ingested(metrics: Metrics, items: list[Any], statuses: list[ItemStatus]) -> None:
    """Add the batch's outcomes to the ingested counter, by source (an invalid item's own source
    when it names one)."""
    counts: Counter[tuple[str, str]] = Counter()
    for s in statuses:
        raw = items[s.index]
        source = raw.get("source") if isinstance(raw, dict) else None
        counts[(source if isinstance(source, str) and source else DEFAULT_SOURCE, s.status)] += 1
    for (source, status), n in counts.items():
        metrics.count_ingested(source, status, n)
