"""What the app holds for its lifetime, built in the lifespan and reached through deps."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.pipeline import Analyzer
from models.taxonomy import Taxonomy
from service.auth.ratelimit import RateLimiter
from service.inference import InferenceQueue
from service.jobs.clusters import ClusterIndex
from service.jobs.registry import Job, Jobs
from service.metrics import Metrics
from service.settings import Settings
from service.taxonomies import TaxonomyRegistry
from service.warmup import Warmup


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    analyzer: Analyzer
    taxonomies: TaxonomyRegistry
    swap_lock: threading.Lock  # one model swap at a time; requests read `analyzer` once each
    jobs: Jobs
    clusters: ClusterIndex  # the active clusters, for assigning comments at ingest
    limiter: RateLimiter  # per-key request budget
    customer_key: bytes  # HMAC key of customer ids (service/privacy.py)
    metrics: Metrics
    inference: InferenceQueue  # every request's comments wait here for the model
    warmup: Warmup  # taxonomy prototypes embedded ahead of requests

    def register_taxonomy(self, taxonomy: Taxonomy) -> None:
        """Store a taxonomy and make it usable: at once when at most MOT_TAXONOMY_SYNC_PHRASES of
        its phrases need the encoder (the rest are cached), otherwise in the background."""
        self.taxonomies.add(taxonomy)
        analyzer = self.analyzer
        if analyzer.uncached_phrase_count(taxonomy) <= self.settings.taxonomy_sync_phrases:
            analyzer.classifier(taxonomy)
        else:
            self.warmup.request(analyzer, taxonomy)

    def warm_taxonomies(self) -> None:
        """Embed every known taxonomy's prototypes for the analyzer in service, default first."""
        default = self.taxonomies.get(None)
        for taxonomy in [default, *(t for t, _ in self.taxonomies.items() if t is not default)]:
            self.warmup.request(self.analyzer, taxonomy)

    def start_reembedding(self) -> None:
        """Bring every stored embedding to the encoder in service, in the background."""
        from service.jobs.reembed import reembed_work

        self.jobs.start(
            "reembed", reembed_work(self.sessions, lambda: self.analyzer, self.settings.reembed_batch)
        )

    def start_retention(self):
        """Blank the text of comments older than MOT_RETENTION_DAYS, in the background."""
        from service.jobs.retention import retention_work

        return self.jobs.start("retention", retention_work(self.sessions, self.settings.retention_days))

    def start_cluster_refresh(self) -> Job:
        """Re-cluster the stored comments in the background; returns the job."""
        from service.jobs.clusters import refresh_work

        started = time.perf_counter()

        def publish(index: ClusterIndex) -> None:
            self.clusters = index
            self.metrics.clusters_refreshed.inc()
            self.metrics.cluster_refresh_seconds.set(time.perf_counter() - started)

        return self.jobs.start(
            "clusters", refresh_work(self.sessions, lambda: self.analyzer, self.settings, publish)
        )
