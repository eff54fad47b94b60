"""Data protection over real HTTP on SQLite and PostgreSQL: customer ids stored only as keyed
hashes, erasure by customer, retention blanking old text (function, CLI, scheduled job)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select

from service.domain.privacy import KEY_NAME, customer_key
from service.jobs.retention import blank_expired
from service.local_server import local_server
from service.settings import Settings
from service.store.engine import session_factory
from service.store.secrets import stored_secret
from service.store.tables import Comment, Correction, Mention
from tests.helpers import WAIT_S, api_client, mot, server_settings


def uid() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="module")
def engine(database_url: str, server: str) -> Iterator[Engine]:
    """The server's own database, read directly (`server` first: it migrated the schema)."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def post(client: httpx.Client, source: str, items: list[dict]) -> list[int]:
    body = {"taxonomy": "banking", "comments": [{"source": source, **item} for item in items]}
    response = client.post("/v1/comments", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(items)
    return [i["comment_id"] for i in response.json()["items"]]


def hashes(engine: Engine, source: str) -> dict[str, str | None]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Comment.external_id, Comment.customer_hash).where(Comment.source == source)
        )
        return dict(rows.all())


def test_customer_id_is_stored_only_as_a_keyed_hash(client: httpx.Client, engine: Engine) -> None:
    source, alice, bob = f"src-{uid()}", f"alice-{uid()}@example.com", f"bob-{uid()}"
    response = client.post(
        "/v1/comments",
        json={
            "taxonomy": "banking",
            "comments": [
                {"id": "1", "text": "My card has not arrived", "source": source, "customer_id": alice},
                {"id": "2", "text": "Still no card", "source": source, "customer_id": alice},
                {"id": "3", "text": "Transfer failed", "source": source, "customer_id": bob},
                {"id": "4", "text": "How do I close my account?", "source": source},
            ],
        },
    )
    assert response.status_code == 200, response.text
    listed = client.get("/v1/comments", params={"source": source})
    for text in (response.text, listed.text):  # nothing about the customer comes back
        assert alice not in text and bob not in text and "customer_" not in text

    stored = hashes(engine, source)
    assert stored["1"] == stored["2"] and stored["1"] != stored["3"] and stored["4"] is None
    assert len(stored["1"] or "") == 64 and alice not in (stored["1"] or "")
    # The key was generated once and kept in the database: a restart derives the same hashes.
    key = stored_secret(session_factory(engine), KEY_NAME)
    assert stored["1"] == hmac.new(key, alice.encode(), hashlib.sha256).hexdigest()
    assert stored_secret(session_factory(engine), KEY_NAME) == key


def test_customer_id_is_checked(client: httpx.Client) -> None:
    item = {"text": "hello", "customer_id": "x" * 201}
    response = client.post("/v1/comments", json={"comments": [item]})
    assert response.status_code == 422
    assert "customer_id" in response.json()["items"][0]["message"]


def test_erasure_deletes_exactly_that_customers_comments(client: httpx.Client, engine: Engine) -> None:
    source, alice, bob = f"src-{uid()}", f"zendesk/{uid()}", f"bob-{uid()}"
    ids = post(
        client,
        source,
        [
            {"id": "a1", "text": "My card has not arrived", "customer_id": alice},
            {"id": "a2", "text": "I was charged twice for a transfer", "customer_id": alice},
            {"id": "b1", "text": "My card has not arrived", "customer_id": bob},
            {"id": "n1", "text": "How do I close my account?"},
        ],
    )
    correction = client.post(f"/v1/comments/{ids[0]}/corrections", json={"sentiment": "negative"})
    assert correction.status_code == 201, correction.text

    response = client.delete(f"/v1/customers/{alice}")  # an id with a slash works too
    assert response.status_code == 200, response.text
    assert response.json() == {"customer": alice, "deleted": 2}

    left = client.get("/v1/comments", params={"source": source}).json()["comments"]
    assert sorted(c["id"] for c in left) == ["b1", "n1"]
    with engine.connect() as connection:
        for table in (Mention, Correction):
            orphans = connection.execute(select(table.id).where(table.comment_id.in_(ids[:2]))).all()
            assert orphans == []
    assert client.get(f"/v1/comments/{ids[0]}/similar").status_code == 404

    again = client.delete(f"/v1/customers/{alice}")  # idempotent
    assert again.status_code == 200 and again.json() == {"customer": alice, "deleted": 0}
    assert client.delete(f"/v1/customers/nobody-{uid()}").json()["deleted"] == 0
    assert client.delete(f"/v1/customers/{'x' * 201}").status_code == 422
    assert len(client.get("/v1/comments", params={"source": source}).json()["comments"]) == 2


def comments_of(client: httpx.Client, source: str) -> dict[str, dict]:
    return {c["id"]: c for c in client.get("/v1/comments", params={"source": source}).json()["comments"]}


def test_retention_blanks_only_old_text_and_keeps_the_counts(client: httpx.Client, engine: Engine) -> None:
    from datetime import UTC, datetime

    source = f"src-{uid()}"
    post(
        client,
        source,
        [
            {"id": "old", "text": "My card has not arrived", "created_at": "1990-01-01T10:00:00Z"},
            {"id": "new", "text": "Transfer failed again", "created_at": "1999-12-31T12:00:00Z"},
        ],
    )
    before = comments_of(client, source)
    now = datetime(2000, 1, 1, tzinfo=UTC)  # "new" is 12 hours old then, "old" ten years
    sessions = session_factory(engine)
    with sessions.begin() as session:
        assert blank_expired(session, 0, now) == 0  # 0: keep forever
    with sessions.begin() as session:
        assert blank_expired(session, 1, now) >= 1
    after = comments_of(client, source)
    assert after["old"]["text"] == "" and after["new"]["text"] == before["new"]["text"]
    assert all(m["evidence"] == "" for m in after["old"]["touchpoints"])
    assert after["new"]["touchpoints"][0]["evidence"]
    for key in ("stage", "sentiment", "sentiment_score", "touchpoint", "created_at"):
        assert after["old"][key] == before["old"][key]
    assert [m["touchpoint"] for m in after["old"]["touchpoints"]] == [
        m["touchpoint"] for m in before["old"]["touchpoints"]
    ]
    journey = client.get("/v1/journey", params={"taxonomy": "banking", "source": source}).json()
    assert journey["total"] == 2
    with sessions.begin() as session:  # nothing left to blank among these
        blank_expired(session, 1, now)
    assert comments_of(client, source) == after


def test_mot_retention_runs_once_against_the_database(
    client: httpx.Client, database_url: str, server: str
) -> None:
    source = f"src-{uid()}"
    post(
        client,
        source,
        [
            {"id": "ancient", "text": "My card has not arrived", "created_at": "1901-01-01T10:00:00Z"},
            {"id": "recent", "text": "Transfer failed", "created_at": "2015-02-21T10:00:00Z"},
        ],
    )
    # 36500 days: only the pre-1926 row is old enough
    done = mot("retention", "--days", "36500", env={"MOT_DATABASE_URL": database_url}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"blanked": 1}
    stored = comments_of(client, source)
    assert stored["ancient"]["text"] == "" and stored["recent"]["text"] == "Transfer failed"


def test_scheduled_retention_and_configured_key(tmp_path: Path) -> None:
    """The lifespan starts the job when MOT_RETENTION_DAYS > 0; MOT_SECRET_KEY keys the hashes."""
    secret = "s" * 32
    settings = server_settings(
        auth=False,
        database_url=f"sqlite:///{tmp_path / 'mot.db'}",
        retention_days=365,
        retention_check_minutes=0.01,
        secret_key=secret,
    )
    with local_server(settings) as url, api_client(url) as client:
        item = {"id": "1", "text": "My card has not arrived", "created_at": "2015-02-21T10:00:00Z"}
        post(client, "s", [{**item, "customer_id": "c-1"}])
        deadline = time.monotonic() + WAIT_S
        while comments_of(client, "s")["1"]["text"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert comments_of(client, "s")["1"]["text"] == ""
        jobs = [j for j in client.get("/v1/jobs").json() if j["kind"] == "retention"]
        assert jobs and any(j["result"] == {"blanked": 1} for j in jobs)
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        stored = connection.execute(select(Comment.customer_hash)).scalar_one()
    engine.dispose()
    assert stored == hmac.new(secret.encode(), b"c-1", hashlib.sha256).hexdigest()


def test_a_short_secret_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="shorter than 16 bytes") as raised:
        customer_key(Settings(secret_key="tiny-key"), session_factory(create_engine("sqlite://")))
    assert "tiny-key" not in str(raised.value)
