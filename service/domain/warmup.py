"""Taxonomy prototypes embedded ahead of requests, in one background thread.

A taxonomy's classifier needs the embedding of each of its phrases (the airline pack has about
2,000). Embedding them inside a request would eat its timeout on a busy machine, so the service
embeds them at start-up, when a taxonomy is registered and after a model swap; a request for a
taxonomy still warming is answered 503 with Retry-After at once (InferenceQueue). The vectors land
in the embedding cache (MOT_EMBEDDING_CACHE_DIR), so a restart costs a read, not a forward pass.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from dataclasses import dataclass

from models.pipeline import Analyzer
from models.taxonomy import Taxonomy

log = logging.getLogger("mot")


@dataclass
class Progress:
    done: int = 0
    total: int = 0
    failed: str | None = None


class Warmup:
    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Analyzer, Taxonomy] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._progress: dict[tuple[int, str, int], Progress] = {}
        self._thread = threading.Thread(target=self._run, name="warmup", daemon=True)
        self._thread.start()

    @staticmethod
    def _key(analyzer: Analyzer, taxonomy: Taxonomy) -> tuple[int, str, int]:
        return (id(analyzer), taxonomy.name, hash(taxonomy.model_dump_json()))

    def request(self, analyzer: Analyzer, taxonomy: Taxonomy) -> Progress:
        """Queue a taxonomy's prototypes for this analyzer (once); returns how far along it is."""
        key = self._key(analyzer, taxonomy)
        with self._lock:
            progress = self._progress.get(key)
            if progress is None or progress.failed:
                progress = self._progress[key] = Progress(total=analyzer.phrase_count(taxonomy))
                self._queue.put((analyzer, taxonomy))
            return progress

    def retry_after(self, progress: Progress, rate: float = 50.0) -> int:
        """Seconds until the taxonomy is likely ready, at `rate` phrases a second."""
        return min(60, max(1, math.ceil((progress.total - progress.done) / rate)))

    def status(self) -> list[dict[str, object]]:
        """Each taxonomy queued or being embedded, with its phrases done and in all."""
        with self._lock:
            return [
                {"taxonomy": name, "done": p.done, "total": p.total}
                for (_, name, _), p in sorted(self._progress.items(), key=lambda item: item[0][1])
                if p.done < p.total and not p.failed
            ]

    def pending(self) -> list[str]:
        """Names of taxonomies queued or being embedded."""
        with self._lock:
            return sorted(
                {name for (_, name, _), p in self._progress.items() if p.done < p.total and not p.failed}
            )

    def close(self) -> None:
        self._queue.put(None)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            analyzer, taxonomy = item
            progress = self.request(analyzer, taxonomy)

            def step(done: int, total: int, progress: Progress = progress) -> None:
                progress.done, progress.total = done, total

            try:
                analyzer.classifier(taxonomy, progress=step)
                progress.done = progress.total
            except Exception as exc:  # noqa: BLE001 - kept for the next request to report
                log.exception("taxonomy %s: its prototypes could not be embedded", taxonomy.name)
                progress.failed = str(exc)
