"""Background jobs of one server process: each runs in its own thread and reports progress."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from service.schemas import JobOut

log = logging.getLogger("mot")
Status = Literal["running", "done", "failed", "stopped"]


@dataclass
class Job:
    id: int
    kind: str
    total: int = 0
    done: int = 0
    status: Status = "running"
    error: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None  # what the job produced, for whoever follows it


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # set at shutdown: jobs end at their next batch
        self._threads: list[threading.Thread] = []

    def start(
        self, kind: str, work: Callable[[Job, threading.Event], None], *, exclusive: bool = True
    ) -> Job:
        """Run `work` in a thread. An exclusive kind runs once at a time: starting it again
        returns the running job (it picks up whatever is still to do); uploads are not exclusive,
        as each brings its own rows."""
        with self._lock:
            for job in self._jobs.values():
                if exclusive and job.kind == kind and job.status == "running":
                    return job
            job = Job(next(self._ids), kind)
            self._jobs[job.id] = job
        thread = threading.Thread(
            target=self._run, args=(job, work), name=f"job-{kind}-{job.id}", daemon=True
        )
        self._threads.append(thread)
        thread.start()
        return job

    def _run(self, job: Job, work: Callable[[Job, threading.Event], None]) -> None:
        try:
            work(job, self.stopping)
            job.status = "stopped" if self.stopping.is_set() and job.done < job.total else "done"
        except Exception as exc:  # a job's failure is reported through its status, never crashes the server
            log.exception("job %s %s failed", job.kind, job.id)
            job.status, job.error = "failed", str(exc)
        job.finished_at = datetime.now(UTC)

    def every(self, seconds: float, start: Callable[[], object]) -> None:
        """Call `start` every `seconds` until shutdown (a scheduled refresh); one thread, no drift
        pile-up: a run still going when the next is due is not started twice (see `start`)."""

        def loop() -> None:
            while not self.stopping.wait(seconds):
                try:
                    start()
                except Exception:  # e.g. the database away for a while: try again next time
                    log.exception("scheduled %s failed", getattr(start, "__name__", start))

        thread = threading.Thread(target=loop, name="schedule", daemon=True)
        self._threads.append(thread)
        thread.start()

    def get(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.id)

    def shutdown(self, timeout: float = 30) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout)


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        total=job.total,
        done=job.done,
        progress=round(job.done / job.total, 4) if job.total else 1.0,
        error=job.error,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result=job.result,
    )
