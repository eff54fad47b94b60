"""What the app holds for its lifetime, built in the lifespan and reached through deps."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.pipeline import Analyzer
from models.taxonomy import Taxonomy
from service.common.ratelimit import RateLimiter
from service.domain.cluster_index import ClusterIndex
from service.domain.inference import InferenceQueue
from service.domain.runtime import build_analyzer, open_bundle
from service.domain.taxonomies import TaxonomyRegistry
from service.domain.warmup import Warmup
from service.jobs.adapt import adapt_work, due_for_adaptation
from service.jobs.clusters import refresh_work
from service.jobs.reembed import reembed_work
from service.jobs.registry import Job, Jobs
from service.jobs.retention import retention_work
from service.settings import Settings
from service.store.comments import taxonomy_counts
from service.telemetry.metrics import Metrics

log = logging.getLogger("mot")


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
    customer_key: bytes  # HMAC key of customer ids (service/domain/privacy.py)
    metrics: Metrics
    inference: InferenceQueue  # every request's comments wait here for the model
    warmup: Warmup  # taxonomy prototypes embedded ahead of requests
    adapted_on: dict[str, int] = field(default_factory=dict)  # comments at each automatic adaptation

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
        self.jobs.start(
            "reembed", reembed_work(self.sessions, lambda: self.analyzer, self.settings.reembed_batch)
        )

    def start_adaptation(self, taxonomy: Taxonomy) -> Job:
        """Fit a head for the taxonomy on its stored comments; serve it if it passes its checks."""
        return self.jobs.start(
            "adapt",
            adapt_work(self.sessions, lambda: self.analyzer, taxonomy, self.settings, self.promote_bundle),
        )

    def adapt_if_due(self) -> Job | None:
        """Start the adaptation of the taxonomy that is due for one (service/jobs/adapt.py), if any."""
        analyzer = self.analyzer
        with self.sessions() as session:
            counts = taxonomy_counts(session, analyzer.encoder.version)
        taxonomy, why = due_for_adaptation(
            analyzer.bundle,
            [t for t, _ in self.taxonomies.items()],
            counts,
            self.adapted_on,
            self.settings.adapt_min_comments,
        )
        if taxonomy is None:
            log.debug("no adaptation: %s", why)
            return None
        self.adapted_on[taxonomy.name] = counts[taxonomy.name]
        log.info("adapting taxonomy %s: %s", taxonomy.name, why)
        return self.start_adaptation(taxonomy)

    def promote_bundle(self, path: Path) -> Analyzer:
        """Swap in a bundle a job wrote, waiting for a swap under way to end."""
        with self.swap_lock:
            return self.swap_bundle(path)

    def start_retention(self):
        """Blank the text of comments older than MOT_RETENTION_DAYS, in the background."""
        return self.jobs.start("retention", retention_work(self.sessions, self.settings.retention_days))

    def start_cluster_refresh(self) -> Job:
        """Re-cluster the stored comments in the background; returns the job."""
        started = time.perf_counter()

        def publish(index: ClusterIndex) -> None:
            self.clusters = index
            self.metrics.clusters_refreshed.inc()
            self.metrics.cluster_refresh_seconds.set(time.perf_counter() - started)

        return self.jobs.start(
            "clusters", refresh_work(self.sessions, lambda: self.analyzer, self.settings, publish)
        )

    def swap_bundle(self, path: Path) -> Analyzer:
        """Serve the bundle at `path` from now on: built beside the model in service and put in its
        place in one assignment, so requests under way finish on the old one."""
        bundle = open_bundle(path, self.settings)
        assert bundle is not None
        analyzer = build_analyzer(self.settings, bundle, reuse=self.analyzer)
        if bundle.taxonomy is not None:
            analyzer.classifier(bundle.taxonomy)  # build the classifier before taking traffic
            self.taxonomies.use_bundle(bundle.taxonomy)
        analyzer.classifier(self.taxonomies.get(None))
        old = self.analyzer
        self.analyzer = analyzer
        self.metrics.set_model(analyzer.model_version, analyzer.encoder.version)
        log.info("model swapped: %s -> %s", old.model_version, analyzer.model_version)
        self.warm_taxonomies()
        if analyzer.encoder.version != old.encoder.version:
            self.start_reembedding()  # stored vectors of the old encoder must not mix with new ones
        return analyzer
