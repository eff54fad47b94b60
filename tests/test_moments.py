"""Moments of truth (issue 19): the quadrants heed the rating drop's 95% interval (an effect that
cannot be told from noise is never "fix first"), the newest comments are the newest by their own
time, and GET /v1/moments applies every filter it is given (source, since, until, taxonomy) or
refuses it, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest

from models.moments import FIX_FIRST, KEEP_UP, LOW_PRIORITY, UNCERTAIN, WATCH, Mentioned, moments, quadrant
from service.store.comments import CommentFilter, latest_with_mentions
from service.store.engine import make_engine, migrate, session_factory
from service.store.tables import Comment, Mention
from tests.helpers import scratch_database

# --- the quadrants ---


def test_an_interval_that_holds_zero_is_never_fix_first() -> None:
    rows = [Mentioned(r, {"crew": False}) for r in (4.0, 5.0, 4.0, 3.0, 5.0, 4.0, 4.0, 5.0)]
    rows += [Mentioned(r, {"bags": True}) for r in (1.0, 5.0, 2.0)]  # lower on average, but three, far apart
    rows += [
        Mentioned(4.0, {"seats": True}),
        Mentioned(4.0, {"seats": False}),
        Mentioned(5.0, {"seats": False}),
    ]
    ranked = {m.touchpoint: m for m in moments(rows)}
    bags = ranked["bags"]
    assert bags.rating_drop is not None and bags.rating_drop > 1  # the point estimate is a large drop
    assert bags.ci_low is not None and bags.ci_high is not None and bags.ci_low < 0 < bags.ci_high
    assert bags.impact == max(m.impact for m in ranked.values()) and bags.negative_share == 1.0
    assert bags.quadrant == UNCERTAIN  # high impact, poor performance, not yet told from noise


def test_a_clear_effect_is_fix_first_and_one_rating_is_not_enough() -> None:
    rng = np.random.default_rng(1)
    rows = []
    for i in range(300):
        named = {"refunds": True} if i % 5 == 0 else {"app": bool(rng.random() < 0.3)}
        rows.append(Mentioned(float((2 if i % 5 == 0 else 4.5) + rng.normal(0, 0.4)), named))
    rows.append(Mentioned(1.0, {"login": True}))  # one rated negative mention: a drop, no interval
    ranked = {m.touchpoint: m for m in moments(rows)}
    refunds = ranked["refunds"]
    assert refunds.ci_low is not None and refunds.ci_low > 2 and refunds.quadrant == FIX_FIRST
    login = ranked["login"]
    assert login.rating_drop is not None and login.ci_low is None and login.negative_share == 1.0
    assert login.quadrant != FIX_FIRST


@pytest.mark.parametrize("seed", range(40))
def test_fix_first_always_has_its_interval_above_zero(seed: int) -> None:
    """Small, noisy samples: whatever the draw, a "fix first" excludes 0 and nothing else does."""
    rng = np.random.default_rng(seed)
    rows = [
        Mentioned(
            float(rng.integers(1, 6)) if rng.random() < 0.9 else None,
            {t: bool(rng.random() < 0.6) for t in ("a", "b", "c", "d", "e") if rng.random() < 0.4},
        )
        for _ in range(int(rng.integers(8, 40)))
    ]
    for m in moments(rows):
        if m.quadrant == FIX_FIRST:
            assert m.ci_low is not None and m.ci_low > 0, m
        if m.ci_low is None or m.ci_low <= 0:
            assert m.quadrant != FIX_FIRST, m


def test_without_ratings_the_volume_ranks_and_nothing_claims_an_interval() -> None:
    rows = [Mentioned(None, {"app": True}) for _ in range(30)]
    rows += [Mentioned(None, {"delivery": i % 2 == 0}) for i in range(20)]
    rows += [Mentioned(None, {"crew": False}) for _ in range(5)]
    ranked = moments(rows)
    assert [m.touchpoint for m in ranked] == ["app", "delivery", "crew"]
    assert all(m.rating_drop is None and m.ci_low is None for m in ranked)
    assert [m.quadrant for m in ranked] == [FIX_FIRST, FIX_FIRST, LOW_PRIORITY]  # by volume, as documented
    assert moments([]) == []


def test_the_quadrant_rule() -> None:
    assert quadrant(True, True, 0.2, by_rating=True) == FIX_FIRST
    assert quadrant(True, True, 0.0, by_rating=True) == UNCERTAIN
    assert quadrant(True, True, None, by_rating=True) == UNCERTAIN
    assert quadrant(True, True, None, by_rating=False) == FIX_FIRST
    assert quadrant(True, False, -1.0, by_rating=True) == KEEP_UP
    assert quadrant(False, True, 0.5, by_rating=True) == WATCH
    assert quadrant(False, False, 0.5, by_rating=True) == LOW_PRIORITY


# --- the newest comments, by their own time ---


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_newest_comments_are_the_newest_written_not_the_last_stored(kind: str, tmp_path: Path) -> None:
    with scratch_database(kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrate(engine)
            with session_factory(engine)() as session:
                start = datetime(2025, 1, 1, tzinfo=UTC)
                # stored in this order: today's comment first, then an import of older ones
                for n, (days, source) in enumerate([(10, "web"), (1, "web"), (2, "app"), (3, "web")]):
                    session.add(_comment(n, start + timedelta(days=days), source))
                session.commit()
                newest = latest_with_mentions(session, CommentFilter(), 2)
                assert [c.external_id for c in newest] == ["0", "3"]
                assert newest[0].mentions[0].touchpoint == "t0"  # loaded with them
                web = latest_with_mentions(
                    session, CommentFilter(source="web", until=start + timedelta(days=5)), 5
                )
                assert [c.external_id for c in web] == ["3", "1"]
        finally:
            engine.dispose()


def _comment(n: int, created_at: datetime, source: str) -> Comment:
    comment = Comment(
        source=source,
        external_id=str(n),
        text=f"comment {n}",
        created_at=created_at,
        received_at=datetime.now(UTC),
        extra={},
        taxonomy="generic",
        stage="usage",
        stage_confidence=0.9,
        touchpoint=f"t{n}",
        sentiment="negative",
        sentiment_score=-0.5,
        sentiment_confidence=0.9,
        embedding=np.zeros(4, dtype="<f4").tobytes(),
        embedding_model="test",
        model_version="test",
    )
    comment.mentions = [
        Mention(
            rank=0,
            touchpoint=f"t{n}",
            stage="usage",
            confidence=0.9,
            sentiment="negative",
            sentiment_score=-0.5,
            evidence="",
            span_start=0,
            span_end=0,
        )
    ]
    return comment


# --- GET /v1/moments over HTTP, on the shared server (both backends) ---

DAY = datetime(2019, 6, 3, 9, 0, tzinfo=UTC)  # long before the other tests' comments
BAGS = [f"They lost my bag on flight {100 + i}, nobody at the desk helps" for i in range(8)]
DELAYS = [f"Flight {200 + i} was delayed four hours and we missed the connection" for i in range(8)]
PRAISE = [f"Lovely crew on flight {300 + i}, thank you!" for i in range(4)]


def _post(client: httpx.Client, source: str, bag_rating: int, delay_rating: int) -> None:
    rated = [(t, bag_rating + i % 2) for i, t in enumerate(BAGS)]
    rated += [(t, delay_rating + i % 2) for i, t in enumerate(DELAYS)] + [(t, 5) for t in PRAISE]
    items = [
        {
            "id": uuid.uuid4().hex,
            "text": text,
            "source": source,
            "created_at": (DAY + timedelta(minutes=i)).isoformat(),
            "metadata": {"rating": rating},
        }
        for i, (text, rating) in enumerate(rated)
    ]
    response = client.post("/v1/comments", json={"taxonomy": "airline", "comments": items})
    assert response.status_code == 200, response.text


def test_moments_apply_the_source_and_the_period(client: httpx.Client) -> None:
    bags_hurt, delays_hurt = f"mo-bags-{uuid.uuid4().hex[:6]}", f"mo-delays-{uuid.uuid4().hex[:6]}"
    _post(client, bags_hurt, bag_rating=1, delay_rating=4)
    _post(client, delays_hurt, bag_rating=4, delay_rating=1)

    def ranked(**params: str) -> dict:
        response = client.get("/v1/moments", params={"taxonomy": "airline", **params})
        assert response.status_code == 200, response.text
        return response.json()

    first, second = ranked(source=bags_hurt), ranked(source=delays_hurt)
    for answer, source in ((first, bags_hurt), (second, delays_hurt)):
        assert answer["comments"] == answer["rated"] == 20 and answer["source"] == source
        assert answer["ranked_by"] == "rating" and answer["taxonomy"] == "airline"
    top, other = first["moments"][0], second["moments"][0]
    assert top["touchpoint"] != other["touchpoint"]  # the source changed the ranking
    assert top["rating_drop"] > 1.5 and other["rating_drop"] > 1.5
    drops = {m["touchpoint"]: m["rating_drop"] for m in second["moments"]}
    assert drops[top["touchpoint"]] < 0  # what costs the most in one source costs nothing in the other

    assert ranked(source=bags_hurt, until=DAY.isoformat())["comments"] == 0
    assert ranked(source=bags_hurt, since=(DAY + timedelta(minutes=16)).isoformat())["comments"] == 4
    assert ranked(source=bags_hurt, until=(DAY + timedelta(minutes=8)).isoformat())["ranked_by"] == "rating"


def test_moments_refuse_what_they_cannot_apply(client: httpx.Client) -> None:
    refused = client.get("/v1/moments", params={"stage": "usage"})
    assert refused.status_code == 422 and "cannot filter by stage" in refused.json()["detail"]
    unknown = client.get("/v1/moments", params={"taxonomy": "atlantis"})
    assert unknown.status_code == 422 and "atlantis" in unknown.json()["detail"]
    backwards = client.get(
        "/v1/moments", params={"since": "2020-01-02T00:00:00Z", "until": "2020-01-01T00:00:00Z"}
    )
    assert backwards.status_code == 422 and "since must be before until" in backwards.json()["detail"]
