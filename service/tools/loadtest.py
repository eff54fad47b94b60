"""`mot load`'s clients: N threads, each posting batches of new comments to POST /v1/comments
until the time is up, and retrying each batch until it is acknowledged.

Every comment has a unique (source, id): one source per run (`load-<run id>`), ids
`<client>-<batch>-<item>`. A batch is retried with the same ids after a 429 or a 503 (waiting the
`Retry-After` it names) and after a connection error (the server may have stored it before it
died: the retry then answers `duplicate`, which is safe because ingestion is idempotent). Every
attempt is recorded with its times and outcome, so the report can tell what happened when (during
an outage, after a restart); an item answered `created` or `duplicate` is acknowledged.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from tqdm import tqdm

# Complaints without personal data, so that redaction changes nothing and the stored text must
# equal the text sent (the check compares them).
TEMPLATES = (
    "The flight was delayed for three hours and nobody at the gate told us why",
    "My bag did not arrive and the baggage desk was closed",
    "Checking in online failed twice, the app kept crashing",
    "The crew was friendly and the seats were comfortable",
    "I waited forty minutes on the phone to change my booking",
    "The refund still has not arrived after six weeks",
    "Boarding was chaotic and the queue was not moving",
    "Great service at the lounge, quick and helpful staff",
    "The meal was cold and there was no vegetarian option",
    "They cancelled the connection and rebooked me for the next day",
)
REFUSED = {429, 503}  # retried after Retry-After
GIVE_UP = {400, 401, 403, 404, 413, 422}  # the request itself is wrong: retrying changes nothing
MAX_ERRORS = 5  # other answers (a 500) retried this often per batch before it is abandoned


@dataclass(frozen=True)
class LoadConfig:
    clients: int
    seconds: float
    batch: int = 20
    taxonomy: str | None = None
    drain_s: float = 180  # after `seconds`, how long a batch being retried may still take
    request_timeout_s: float = 120


@dataclass(frozen=True)
class Attempt:
    client: int
    sent: float  # seconds since the run began
    answered: float
    outcome: str  # the HTTP status ("200", "429"...) or "conn:<exception>"
    comments: int
    retry_after: str | None = None  # the header of a 429 or 503


@dataclass
class Run:
    """What the clients record; filled by many threads under one lock."""

    config: LoadConfig
    source: str = field(default_factory=lambda: f"load-{uuid.uuid4().hex[:12]}")
    began: float = field(default_factory=time.monotonic)
    attempts: list[Attempt] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # id -> text sent
    created: int = 0
    duplicates: int = 0
    invalid: int = 0
    batch_seconds: list[float] = field(default_factory=list)  # first attempt to acknowledgement
    abandoned: list[str] = field(default_factory=list)  # why each abandoned batch was
    abandoned_comments: int = 0
    ended: float | None = None  # seconds since the run began when the last client finished
    stopped: threading.Event = field(default_factory=threading.Event)  # Ctrl-C: clients stop
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.began

    def record(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def counts(self) -> dict[str, int]:
        with self.lock:
            outcomes = [a.outcome for a in self.attempts]
            acked = len(self.acknowledged)
        return {
            "acked": acked,
            "429": outcomes.count("429"),
            "503": outcomes.count("503"),
            "conn": sum(o.startswith("conn") for o in outcomes),
        }


def batch_body(run: Run, client: int, number: int) -> dict[str, object]:
    comments = []
    for i in range(run.config.batch):
        template = TEMPLATES[(client + number + i) % len(TEMPLATES)]
        comments.append(
            {
                "id": f"{client}-{number}-{i}",
                "source": run.source,
                "text": f"{template} (client {client} batch {number} item {i})",
            }
        )
    body: dict[str, object] = {"comments": comments}
    if run.config.taxonomy:
        body["taxonomy"] = run.config.taxonomy
    return body


def retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def send_batch(run: Run, http: httpx.Client, client: int, number: int) -> None:
    """Post one batch until it is acknowledged, abandoned, or the drain time is over."""
    body = batch_body(run, client, number)
    comments: list[dict[str, str]] = body["comments"]  # type: ignore[assignment]
    size = len(comments)
    first = run.now()
    failures = errors = 0
    deadline = run.config.seconds + run.config.drain_s
    while True:
        if run.stopped.is_set() or run.now() > deadline:
            return abandon(run, size, "stopped" if run.stopped.is_set() else "drain time over")
        sent = run.now()
        try:
            response = http.post("/v1/comments", json=body)
        except httpx.TransportError as exc:  # refused, reset, timed out: it may have been stored
            run.record(Attempt(client, sent, run.now(), f"conn:{type(exc).__name__}", size))
            failures += 1
            run.stopped.wait(min(2.0, 0.1 * 2**failures) * random.uniform(0.5, 1.0))
            continue
        status = response.status_code
        run.record(Attempt(client, sent, run.now(), str(status), size, response.headers.get("retry-after")))
        if status == 200:
            items = response.json()["items"]
            texts = {c["id"]: c["text"] for c in comments}
            with run.lock:
                for item in items:
                    if item["status"] in ("created", "duplicate"):
                        run.acknowledged[item["id"]] = texts[item["id"]]
                    run.created += item["status"] == "created"
                    run.duplicates += item["status"] == "duplicate"
                    run.invalid += item["status"] == "invalid"
                run.batch_seconds.append(run.now() - first)
            return
        if status in REFUSED:
            run.stopped.wait(retry_after(response) * random.uniform(1.0, 1.2))  # never sooner
            continue
        errors += 1
        if status in GIVE_UP or errors >= MAX_ERRORS:
            return abandon(run, size, f"HTTP {status}: {response.text[:200]}")
        run.stopped.wait(1.0)


def abandon(run: Run, size: int, why: str) -> None:
    with run.lock:
        run.abandoned.append(why)
        run.abandoned_comments += size


def client_loop(run: Run, url: str, key: str | None, client: int) -> None:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=url, headers=headers, timeout=run.config.request_timeout_s) as http:
        number = 0
        while run.now() < run.config.seconds and not run.stopped.is_set():
            send_batch(run, http, client, number)
            number += 1


def run_load(
    url: str, key: str | None, config: LoadConfig, beside: Callable[[Run], object] | None = None
) -> Run:
    """Run the clients against `url` for `config.seconds` (plus the drain of batches still being
    retried), and `beside(run)` in a thread of its own (the faults); a progress bar on stderr.
    Ctrl-C stops the clients; what was acknowledged stays."""
    run = Run(config)
    threads = [
        threading.Thread(target=client_loop, args=(run, url, key, n), name=f"client-{n}", daemon=True)
        for n in range(config.clients)
    ]
    if beside is not None:
        threads.append(threading.Thread(target=beside, args=(run,), name="beside", daemon=True))
    bar = tqdm(total=round(config.seconds), desc="load", unit="s", leave=True)
    run.began = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        while any(t.is_alive() for t in threads):
            time.sleep(0.5)
            bar.n = min(round(config.seconds), int(run.now()))
            bar.set_postfix(run.counts(), refresh=True)
    except KeyboardInterrupt:
        run.stopped.set()
        for thread in threads:
            thread.join(timeout=config.request_timeout_s)
    finally:
        bar.close()
    run.ended = run.now()
    return run
