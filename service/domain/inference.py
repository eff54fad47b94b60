"""The inference queue: every request's comments wait here for the model, in one bounded line.

One worker thread runs the model (it already uses every core, so two forward passes at once
only slow each other down). Requests that arrive while it is busy wait in the queue; when it
is free it takes the first waiting request and every other one for the same model and taxonomy,
up to `MOT_INFERENCE_BATCH` comments, and analyses them in one call: many small requests cost
about as much as one batch of the same size (dynamic micro-batching).

The line is bounded by `MOT_QUEUE_MAX_COMMENTS`: past it a request is refused at once (429 with
a `Retry-After` estimated from the recent rate) instead of waiting without end, and a request
that waits longer than `MOT_REQUEST_TIMEOUT_S` gives up (503). After `close()` nothing new is
taken (503), and what is already queued is still answered: a graceful shutdown drains it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from models.pipeline import Analysis, Analyzer
from models.taxonomy import Taxonomy
from service.domain.warmup import Warmup
from service.telemetry.metrics import Metrics


class Busy(Exception):
    """The queue cannot take the request now; `retry_after` seconds is a fair wait."""

    def __init__(self, message: str, retry_after: int, status_code: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status_code = status_code


@dataclass(eq=False)
class _Request:
    analyzer: Analyzer
    texts: list[str]
    taxonomy: Taxonomy
    done: threading.Event = field(default_factory=threading.Event)
    result: list[Analysis] | None = None
    error: BaseException | None = None


class InferenceQueue:
    def __init__(
        self, max_comments: int, batch: int, timeout_s: float, metrics: Metrics, warmup: Warmup | None = None
    ) -> None:
        self.warmup = warmup
        self.max_comments = max_comments
        self.batch = batch
        self.timeout_s = timeout_s
        self.metrics = metrics
        self._waiting: deque[_Request] = deque()
        self._queued = 0  # comments waiting, not yet taken by the worker
        self._rate = 100.0  # comments per second, a moving estimate for Retry-After
        self._closed = False
        self._condition = threading.Condition()
        self._worker = threading.Thread(target=self._run, name="inference", daemon=True)
        self._worker.start()

    def analyze(self, analyzer: Analyzer, texts: list[str], taxonomy: Taxonomy) -> list[Analysis]:
        """Queue the texts and wait for their analyses; raises `Busy` when refused or timed out."""
        if not texts:
            return []
        if self.warmup is not None and not analyzer.is_ready(taxonomy):
            progress = self.warmup.request(analyzer, taxonomy)
            if progress.failed:
                raise Busy(f"taxonomy {taxonomy.name!r} could not be prepared: {progress.failed}", 60, 503)
            wait = self.warmup.retry_after(progress)
            raise Busy(
                f"taxonomy {taxonomy.name!r} is still being prepared for this model ({progress.done} of "
                f"{progress.total} phrases embedded): retry in {wait} s",
                wait,
                503,
            )
        request = _Request(analyzer, texts, taxonomy)
        with self._condition:
            if self._closed:
                raise Busy("the service is shutting down: retry on another instance or shortly", 5, 503)
            if self._queued and self._queued + len(texts) > self.max_comments:
                wait = self._retry_after()
                raise Busy(
                    f"the model has {self._queued} comments waiting (MOT_QUEUE_MAX_COMMENTS = "
                    f"{self.max_comments}): retry in {wait} s",
                    wait,
                    429,
                )
            self._waiting.append(request)
            self._queued += len(texts)
            self.metrics.queue_depth.set(self._queued)
            self._condition.notify()
        if not request.done.wait(self.timeout_s):
            with self._condition:
                if request in self._waiting:  # never started: take it out, so nothing runs for nobody
                    self._waiting.remove(request)
                    self._queued -= len(texts)
                    self.metrics.queue_depth.set(self._queued)
            raise Busy(
                f"the model did not get to this request within {self.timeout_s:g} s "
                "(MOT_REQUEST_TIMEOUT_S): retry later",
                self._retry_after(),
                503,
            )
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def close(self, drain_s: float = 30) -> None:
        """Refuse new requests; answer the queued ones (for up to `drain_s`), then stop."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        self._worker.join(timeout=drain_s)

    def _retry_after(self) -> int:
        return min(60, max(1, math.ceil(self._queued / max(self._rate, 1.0))))

    def _take(self) -> list[_Request] | None:
        """The next batch: the oldest request and the others for the same model and taxonomy."""
        with self._condition:
            while not self._waiting:
                if self._closed:
                    return None
                self._condition.wait()
            first = self._waiting.popleft()
            taken, size = [first], len(first.texts)
            for other in list(self._waiting):
                if size + len(other.texts) > self.batch:
                    break
                if other.analyzer is first.analyzer and other.taxonomy is first.taxonomy:
                    self._waiting.remove(other)
                    taken.append(other)
                    size += len(other.texts)
            self._queued -= size
            self.metrics.queue_depth.set(self._queued)
            return taken

    def _run(self) -> None:
        while (taken := self._take()) is not None:
            texts = [t for request in taken for t in request.texts]
            began = time.perf_counter()
            try:
                analyses = taken[0].analyzer.analyze(texts, taken[0].taxonomy)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting requests, not lost
                for request in taken:
                    request.error = exc
                    request.done.set()
                continue
            elapsed = max(time.perf_counter() - began, 1e-3)
            self._rate = 0.8 * self._rate + 0.2 * (len(texts) / elapsed)
            self.metrics.batch_size.observe(len(texts))
            self.metrics.count_languages(analyses)
            start = 0
            for request in taken:
                request.result = analyses[start : start + len(request.texts)]
                start += len(request.texts)
                request.done.set()
