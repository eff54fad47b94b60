"""A database outage answers 503 with Retry-After, promptly, and the service recovers by itself:
the real server on PostgreSQL through a TCP proxy that the test stops and starts again."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from service.local_server import local_server
from service.store.outage import is_unavailable
from tests.helpers import POSTGRES_URL, api_client, samples, scratch_database, server_settings, value
from tests.proxy import TcpProxy

PROMPT_S = 10  # an outage must be answered within this, never hang


@pytest.fixture
def scratch_postgres_url(tmp_path: Path) -> Iterator[str]:
    """A PostgreSQL schema of this test's own (the server reaches it through the proxy)."""
    with scratch_database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    url = make_url(POSTGRES_URL)
    tcp = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    tcp.start()
    yield tcp
    tcp.stop()


def timed(call) -> tuple[httpx.Response, float]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_outage_answers_503_and_recovers(scratch_postgres_url: str, proxy: TcpProxy) -> None:
    url = make_url(scratch_postgres_url).set(port=proxy.port)
    settings = server_settings(
        auth=False,
        database_url=url.render_as_string(hide_password=False),
        db_connect_timeout_s=3,
        retry_after_s=7,
    )
    source = "outage"
    before = [{"id": f"a{i}", "text": f"The delivery {i} was late again", "source": source} for i in range(3)]
    during = [{"id": f"b{i}", "text": f"Refund {i} never arrived", "source": source} for i in range(2)]
    with local_server(settings) as base, api_client(base) as client:
        assert client.post("/v1/comments", json={"comments": before}).json()["created"] == 3

        proxy.stop()  # the database is gone: open connections dropped, new ones refused
        down, seconds = timed(lambda: client.post("/v1/comments", json={"comments": during}))
        assert down.status_code == 503, down.text
        assert seconds < PROMPT_S
        assert down.headers["Retry-After"] == "7"
        assert down.json()["detail"].startswith("database unavailable: ")
        assert down.json()["detail"].endswith("retry later")
        assert str(proxy.port) not in down.text  # the database's address stays in the log
        ready, seconds = timed(lambda: client.get("/readyz"))
        assert ready.status_code == 503 and seconds < PROMPT_S
        assert ready.json()["checks"] == {"model": True, "database": False}
        assert ready.json()["errors"]["database"]
        listed = client.get("/v1/comments", params={"source": source})
        assert listed.status_code == 503 and listed.headers["Retry-After"] == "7"
        found = samples(client)  # metrics need no database
        assert value(found, "mot_database_errors_total", kind="unavailable") >= 3
        assert value(found, "mot_http_requests_total", method="POST", route="/v1/comments", status="503") == 1

        proxy.start()  # back on the same port: the pool reconnects by itself
        deadline = time.monotonic() + PROMPT_S
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "not ready again after the database came back"
            time.sleep(0.2)
        retried = client.post("/v1/comments", json={"comments": during})
        assert retried.status_code == 200 and retried.json()["created"] == 2
        again = client.post("/v1/comments", json={"comments": before})
        assert again.json()["duplicates"] == 3  # what was acknowledged before the outage is there
        stored = client.get("/v1/comments", params={"source": source}).json()["comments"]
        assert sorted(c["id"] for c in stored) == ["a0", "a1", "a2", "b0", "b1"]


def test_which_database_errors_mean_unavailable(tmp_path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    with pytest.raises(OperationalError) as locked:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
    assert is_unavailable(locked.value)  # locked too long: 503, retry later
    holder.close()
    with pytest.raises(OperationalError) as bug:
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table"))
    assert not is_unavailable(bug.value)  # a bad query stays a 500
    engine.dispose()
    refused = create_engine(make_url(POSTGRES_URL).set(port=1), connect_args={"connect_timeout": 2})
    with pytest.raises(OperationalError) as down:
        refused.connect()
    assert is_unavailable(down.value)
