"""Prometheus metrics of one app: built by create_app() on a registry of their own (never the
process-wide default one), so two apps in one process, as in the tests, count apart.

Every metric is an attribute of `Metrics`, reached as `request.app.state.metrics` or, in code
that has the app state, `state.metrics`:

- `requests` (`mot_http_requests_total{method, route, status}`) and `latency`
  (`mot_http_request_duration_seconds{route}`): counted by `service.web.observe.Observe`.
- `queue_depth` (`mot_inference_queue_depth`, a gauge) and `batch_size`
  (`mot_inference_batch_size`, a histogram) for the inference queue::

      metrics.queue_depth.set(len(waiting))      # after each put and take
      metrics.batch_size.observe(len(batch))     # once per model call

- `model` (`mot_model_info{version, encoder}`): `set_model()` at start-up and on every swap.
- `ingested` (`mot_comments_ingested_total{source, status}`): `count_ingested()`; status is
  created, duplicate or invalid.
- `clusters_refreshed` (`mot_cluster_refreshes_total`) and `cluster_refresh_seconds`
  (`mot_cluster_refresh_duration_seconds`, the last refresh's).
- `languages` (`mot_comments_analyzed_by_language_total{language, supported}`): `count_languages()`
  after every model call of the inference queue and of uploads.
- `database_errors` (`mot_database_errors_total{kind}`): every error the engine raises,
  `kind` = unavailable (connection lost or refused) or other; `watch_engine()` hooks it up.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from models.pipeline import Analysis
from service.store.outage import is_unavailable_dbapi

CONTENT_TYPE = CONTENT_TYPE_LATEST
MAX_SOURCES = 100  # sources are client-chosen strings: past this many, the rest count as "other"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


@dataclass
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    queue_depth: Gauge
    batch_size: Histogram
    model: Info
    ingested: Counter
    clusters_refreshed: Counter
    cluster_refresh_seconds: Gauge
    database_errors: Counter
    languages: Counter
    _sources: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter(
                "mot_http_requests",
                "HTTP requests answered, by method, route template and status",
                ["method", "route", "status"],
                registry=registry,
            ),
            latency=Histogram(
                "mot_http_request_duration_seconds",
                "Time to answer an HTTP request, by route template",
                ["route"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            queue_depth=Gauge(
                "mot_inference_queue_depth", "Comments waiting for the model", registry=registry
            ),
            batch_size=Histogram(
                "mot_inference_batch_size",
                "Comments per model call",
                buckets=BATCH_BUCKETS,
                registry=registry,
            ),
            model=Info("mot_model", "The model in service", registry=registry),
            ingested=Counter(
                "mot_comments_ingested",
                "Comments posted for storage, by source and outcome (created, duplicate, invalid)",
                ["source", "status"],
                registry=registry,
            ),
            clusters_refreshed=Counter(
                "mot_cluster_refreshes", "Pain-cluster refreshes finished", registry=registry
            ),
            cluster_refresh_seconds=Gauge(
                "mot_cluster_refresh_duration_seconds",
                "How long the last finished pain-cluster refresh took",
                registry=registry,
            ),
            database_errors=Counter(
                "mot_database_errors",
                "Errors raised by the database, by kind (unavailable: connection lost or refused)",
                ["kind"],
                registry=registry,
            ),
            languages=Counter(
                "mot_comments_analyzed_by_language",
                "Comments analysed, by detected language (und: too short to tell) and whether the "
                "encoder reads it (supported: no, a result with an unsupported_language warning)",
                ["language", "supported"],
                registry=registry,
            ),
        )

    def render(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)

    def set_model(self, version: str, encoder: str) -> None:
        self.model.info({"version": version, "encoder": encoder})

    def count_ingested(self, source: str, status: str, n: int = 1) -> None:
        self.ingested.labels(source=self._source_label(source), status=status).inc(n)

    def count_languages(self, analyses: Sequence[Analysis]) -> None:
        for analysis in analyses:
            supported = (
                "no" if any(w.startswith("unsupported_language") for w in analysis.warnings) else "yes"
            )
            self.languages.labels(language=analysis.language or "und", supported=supported).inc()

    def _source_label(self, source: str) -> str:
        source = source[:100]  # an invalid item's source was never checked
        with self._lock:
            if source in self._sources:
                return source
            if len(self._sources) < MAX_SOURCES:
                self._sources.add(source)
                return source
        return "other"


def watch_engine(engine: Engine, metrics: Metrics) -> None:
    """Count every error the engine raises, connection failures included. A failed pre-ping is
    left out: the pool replaces that connection, and only if it cannot is an error counted."""

    @event.listens_for(engine, "handle_error")
    def _count(context: ExceptionContext) -> None:
        if context.is_pre_ping:
            return
        # A refused connection is not flagged is_disconnect: no connection existed to lose.
        unavailable = context.is_disconnect or is_unavailable_dbapi(context.original_exception)
        metrics.database_errors.labels(kind="unavailable" if unavailable else "other").inc()
