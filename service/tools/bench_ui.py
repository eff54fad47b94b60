"""`mot bench-ui`: how fast the web UI's pages load with many stored comments. Synthetic comments
(and their mentions) are inserted straight into the database, without the encoder, then the
pages are timed over HTTP (server time) and in chromium (until the load event)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from models.encoder import Encoder
from models.taxonomy import builtin_packs
from service.auth.keys import create_key
from service.local_server import local_server
from service.settings import Settings
from service.store.engine import make_engine, migrate
from service.store.tables import Comment, Mention

END = datetime(2026, 1, 31, tzinfo=UTC)
SPAN_DAYS = 90
CHUNK = 5000
SENTIMENTS = np.array(["negative", "neutral", "positive"])
PAGES = {
    "journey map (7 days vs the 7 before)": "/ui/",
    "journey map (all time)": "/ui/?days=0",
    "journey JSON (7 days, compare)": None,  # filled in with the window's dates
    "touchpoint page (all time)": "/ui/touchpoints/{touchpoint}?days=0",
    "comment explorer": "/ui/comments",
    "comment explorer, word search": "/ui/comments?q=flight+late",
    "pain clusters": "/ui/clusters",
}


def fill(engine: Engine, count: int, taxonomy: str, embedding_model: str, seed: int = 0) -> None:
    """`count` comments spread over SPAN_DAYS days, one to three mentions each."""
    tax = builtin_packs()[taxonomy]
    touchpoints = [(tp.id, tp.stage) for tp in tax.touchpoints]
    rng = np.random.default_rng(seed)
    with engine.begin() as connection:
        first = int(connection.scalar(select(func.coalesce(func.max(Comment.id), 0))) or 0) + 1
        mention_id = int(connection.scalar(select(func.coalesce(func.max(Mention.id), 0))) or 0) + 1
        for start in range(0, count, CHUNK):
            n = min(CHUNK, count - start)
            vectors = rng.standard_normal((n, 384)).astype("<f4")
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            seconds = rng.uniform(0, SPAN_DAYS * 86400, n)
            sentiment = rng.choice(SENTIMENTS, n, p=[0.55, 0.25, 0.2])
            picks = rng.integers(0, len(touchpoints), (n, 3))
            how_many = rng.integers(1, 4, n)
            comments, mentions = [], []
            for i in range(n):
                comment_id = first + start + i
                named = [touchpoints[j] for j in dict.fromkeys(picks[i][: how_many[i]].tolist())]
                score = {"negative": -0.8, "neutral": 0.0, "positive": 0.8}[sentiment[i]]
                comments.append(
                    {
                        "id": comment_id,
                        "source": f"channel-{i % 5}",
                        "external_id": f"bench-{comment_id}",
                        "text": f"Synthetic comment {comment_id}: the flight was late again and the bag lost",
                        "created_at": END - timedelta(seconds=float(seconds[i])),
                        "received_at": END,
                        "metadata": {},
                        "taxonomy": taxonomy,
                        "stage": named[0][1],
                        "stage_confidence": 0.8,
                        "touchpoint": named[0][0],
                        "sentiment": str(sentiment[i]),
                        "sentiment_score": score,
                        "sentiment_confidence": 0.9,
                        "embedding": vectors[i].tobytes(),
                        "embedding_model": embedding_model,
                        "model_version": "bench",
                        "cluster_id": None,
                    }
                )
                for rank, (tp, stage) in enumerate(named):
                    mentions.append(
                        {
                            "id": mention_id,
                            "comment_id": comment_id,
                            "rank": rank,
                            "touchpoint": tp,
                            "stage": stage,
                            "confidence": 0.7,
                            "sentiment": str(sentiment[i]),
                            "sentiment_score": score,
                            "evidence": "the flight was late",
                            "span_start": 0,
                            "span_end": 19,
                        }
                    )
                    mention_id += 1
            connection.execute(insert(Comment.__table__), comments)
            connection.execute(insert(Mention.__table__), mentions)
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("comments", "mentions"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
        if engine.dialect.name == "sqlite":
            connection.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load: statistics,
        # and the visibility map that lets the journey map read its covering indexes alone
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE comments"))
            connection.execute(text("VACUUM ANALYZE mentions"))


def _timed(client: httpx.Client, path: str, repeats: int) -> dict[str, float]:
    client.get(path).raise_for_status()  # warm-up: first query plans, template compile
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def _browser(base: str, path: str, key: str, repeats: int, chromium: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    url = f"{base}{path}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium))
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/ui/login")  # signed in as an analyst would be: each page checks the session
        page.fill("input[name=key]", key)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        page.goto(url)  # warm-up
        if "/ui/login" in page.url:
            raise RuntimeError("chromium was not signed in: the timings would be of the sign-in page")
        loads, ready = [], []
        for _ in range(repeats):
            page.goto(url, wait_until="load")
            timing = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
            loads.append(timing["loadEventEnd"] - timing["startTime"])
            ready.append(timing["domContentLoadedEventEnd"] - timing["startTime"])
        browser.close()
    return {
        "load_event_median_ms": round(statistics.median(loads), 1),
        "load_event_max_ms": round(max(loads), 1),
        "dom_ready_median_ms": round(statistics.median(ready), 1),
    }


def bench_ui(
    database_url: str, comments: int, repeats: int, chromium: Path | None, taxonomy: str = "airline"
) -> dict[str, Any]:
    engine = make_engine(database_url, "NORMAL")
    migrate(engine)
    began = time.perf_counter()
    if comments:
        fill(engine, comments, taxonomy, Encoder().version)
    inserted_s = time.perf_counter() - began
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(Comment))
        mentions = connection.scalar(select(func.count()).select_from(Mention))
    with Session(engine) as session:  # auth on, as in production: the key check is part of each page
        key, _ = create_key(session, "mot bench-ui", ["read"])
    engine.dispose()
    settings = Settings(database_url=database_url, default_taxonomy=taxonomy)
    result: dict[str, Any] = {
        "database": engine.dialect.name,
        "comments": stored,
        "mentions": mentions,
        "insert_s": round(inserted_s, 1),
        "repeats": repeats,
        "server": {},
    }
    window = f"since={(END - timedelta(days=7)).date()}&until={END.date()}&compare=true&taxonomy={taxonomy}"
    first_touchpoint = builtin_packs()[taxonomy].touchpoints[0].id
    with local_server(settings) as url, httpx.Client(base_url=url, timeout=120) as client:
        client.headers["authorization"] = f"Bearer {key}"
        signed_in = client.post("/ui/login", data={"key": key})  # the session cookie for the pages
        if signed_in.status_code != 303:
            raise RuntimeError(f"sign-in failed: {signed_in.status_code} {signed_in.text[:200]}")
        for name, path in PAGES.items():
            path = path or f"/v1/journey?{window}"
            result["server"][name] = _timed(client, path.format(touchpoint=first_touchpoint), repeats)
        if chromium is not None:
            result["browser"] = {
                "journey map (7 days vs the 7 before)": _browser(url, "/ui/", key, repeats, chromium),
                "journey map (all time)": _browser(url, "/ui/?days=0", key, repeats, chromium),
            }
    return result
