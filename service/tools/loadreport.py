"""`mot load`'s verdict: every acknowledged comment looked up in the database (lost, stored twice,
stored with another text), and the run's numbers (throughput, latency, 429 and 503 shares), as
one JSON-ready dict."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import func, select

from service.store.engine import make_engine
from service.store.tables import Comment, Mention
from service.tools.loadtest import Run


def check_stored(database_url: str, source: str, acknowledged: dict[str, str]) -> dict[str, int]:
    """Read back every comment of the run's source: `lost` acknowledged ids not stored,
    `duplicates` extra rows of one id (and `duplicate_mentions`: a comment's touchpoint stored
    twice at the same rank), `mismatched` ids stored with another text than was sent for them,
    `unacknowledged_stored` comments stored whose answer never reached the client."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Comment.external_id, Comment.text).where(Comment.source == source)
            ).all()
            repeated_mentions = connection.execute(
                select(func.count()).select_from(
                    select(Mention.comment_id, Mention.rank)
                    .join(Comment, Comment.id == Mention.comment_id)
                    .where(Comment.source == source)
                    .group_by(Mention.comment_id, Mention.rank)
                    .having(func.count() > 1)
                    .subquery()
                )
            ).scalar_one()
    finally:
        engine.dispose()
    counts = Counter(external_id for external_id, _ in rows)
    texts = {external_id: text for external_id, text in rows}
    return {
        "acknowledged": len(acknowledged),
        "stored": len(rows),
        "lost": sum(1 for i in acknowledged if i not in counts),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "duplicate_mentions": int(repeated_mentions),
        "mismatched": sum(1 for i, text in acknowledged.items() if i in texts and texts[i] != text),
        "unacknowledged_stored": sum(1 for i in counts if i not in acknowledged),
    }


def percentiles_ms(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    values = np.asarray(seconds) * 1000
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"p50": round(p50, 1), "p95": round(p95, 1), "p99": round(p99, 1), "max": round(values.max(), 1)}


def summarize(run: Run) -> dict[str, Any]:
    """Throughput over the whole run (the load time plus the drain of retried batches), latency
    of the answered attempts, and how the attempts ended."""
    elapsed = run.ended if run.ended is not None else run.now()
    outcomes = Counter(a.outcome for a in run.attempts)
    attempts = len(run.attempts)
    ok = [a.answered - a.sent for a in run.attempts if a.outcome == "200"]
    unexpected = {
        o: n for o, n in outcomes.items() if not o.startswith("conn") and o not in {"200", "429", "503"}
    }
    return {
        "clients": run.config.clients,
        "seconds": run.config.seconds,
        "batch": run.config.batch,
        "elapsed_s": round(elapsed, 1),
        "comments_acknowledged": len(run.acknowledged),
        "comments_per_s": round(len(run.acknowledged) / elapsed, 1),
        "requests_per_s": round(outcomes["200"] / elapsed, 2),
        "attempts_per_s": round(attempts / elapsed, 2),
        "latency_ms": percentiles_ms(ok),
        "batch_latency_ms": percentiles_ms(run.batch_seconds),  # first attempt to acknowledgement
        "attempts": attempts,
        "share_429": round(outcomes["429"] / attempts, 4) if attempts else 0.0,
        "share_503": round(outcomes["503"] / attempts, 4) if attempts else 0.0,
        "responses": dict(sorted(outcomes.items())),
        "connection_errors": sum(n for o, n in outcomes.items() if o.startswith("conn")),
        "errors": sum(unexpected.values()) + len(run.abandoned),
        "abandoned_batches": len(run.abandoned),
        "abandoned_comments": run.abandoned_comments,
        "abandoned_why": sorted(set(run.abandoned))[:5],
        "created": run.created,
        "duplicate_answers": run.duplicates,
        "invalid": run.invalid,
    }


def report(run: Run, database_url: str) -> dict[str, Any]:
    """The run's numbers and the database check, with `ok`: nothing lost, duplicated, mismatched
    or in error."""
    numbers = summarize(run)
    check = check_stored(database_url, run.source, run.acknowledged)
    ok = (
        check["lost"] == 0
        and check["duplicates"] == 0
        and check["duplicate_mentions"] == 0
        and check["mismatched"] == 0
        and numbers["errors"] == 0
        and numbers["invalid"] == 0
    )
    return {
        "ok": ok,
        "source": run.source,
        **numbers,
        **{k: v for k, v in check.items() if k != "acknowledged"},
    }
