"""Metrics, request ids and JSON log lines, over HTTP against the real server (SQLite and
PostgreSQL through the `client` fixture; a server of its own for the cluster refresh)."""

from __future__ import annotations

import io
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import structlog

from service.local_server import local_server
from service.telemetry.logging import configure_logging
from tests.helpers import WAIT_S, api_client, refresh, samples, server_settings, value

METRICS = [
    "mot_http_requests_total",
    "mot_http_request_duration_seconds",
    "mot_inference_queue_depth",
    "mot_inference_batch_size",
    "mot_model_info",
    "mot_comments_ingested_total",
    "mot_cluster_refreshes_total",
    "mot_cluster_refresh_duration_seconds",
    "mot_database_errors_total",
]


def test_metrics_expose_each_metric(client: httpx.Client) -> None:
    text = client.get("/metrics").text
    for name in METRICS:
        assert f"# TYPE {name} " in text, name
    model_version = client.get("/v1/model").json()["model_version"]
    assert re.search(rf'mot_model_info\{{[^}}]*version="{re.escape(model_version)}"', text)


def test_ingest_and_requests_move_the_counters(client: httpx.Client) -> None:
    source = f"obs-{uuid.uuid4().hex[:8]}"
    before = samples(client)
    items = [
        {"id": str(i), "text": f"My parcel number {i} never arrived", "source": source} for i in range(3)
    ]
    assert client.post("/v1/comments", json={"comments": items}).status_code == 200
    retry = items[:1] + [{"id": "bad", "text": " ", "source": source}]
    assert client.post("/v1/comments", json={"comments": retry}).status_code == 200
    assert client.get("/v1/clusters/987654321").status_code == 404
    after = samples(client)

    assert value(after, "mot_comments_ingested_total", source=source, status="created") == 3
    assert value(after, "mot_comments_ingested_total", source=source, status="duplicate") == 1
    assert value(after, "mot_comments_ingested_total", source=source, status="invalid") == 1

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("mot_http_requests_total", method="POST", route="/v1/comments", status="200") == 2
    # the route template, not the path: one series however many ids are asked for
    assert (
        moved("mot_http_requests_total", method="GET", route="/v1/clusters/{cluster_id}", status="404") == 1
    )
    assert moved("mot_http_request_duration_seconds_count", route="/v1/comments") == 2
    assert moved("mot_http_request_duration_seconds_bucket", route="/v1/comments", le="+Inf") == 2
    client.get(f"/no/such/page/{uuid.uuid4().hex}")
    assert not any("/no/such/page" in str(key) for key in samples(client))


def test_request_id_echoed_or_generated(client: httpx.Client) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc.DEF_1-2"}).headers["X-Request-ID"] == (
        "abc.DEF_1-2"
    )
    for bad in ("a" * 129, "no spaces", "semi;colon", ""):
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", echoed), bad
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    # errors carry it too
    assert client.post("/v1/comments", content=b"{", headers={"X-Request-ID": "e1"}).headers[
        "X-Request-ID"
    ] == ("e1")


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Logging configured as `mot serve` does, into a stream; put back as it was afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
        structlog.reset_defaults()


def test_one_json_log_line_per_request_with_its_id(client: httpx.Client, log_stream: io.StringIO) -> None:
    rid = f"test-{uuid.uuid4().hex}"
    refused = client.post(
        "/v1/admin/model", json={"bundle": "/no/such/bundle"}, headers={"X-Request-ID": rid}
    )
    assert refused.status_code == 422
    deadline = time.monotonic() + WAIT_S
    while True:  # the line is written once the response is sent: it may trail the client by a little
        lines = [json.loads(line) for line in log_stream.getvalue().splitlines()]  # every line is JSON
        mine = [line for line in lines if line.get("request_id") == rid]
        request = [line for line in mine if line["event"] == "request"]
        if request or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(request) == 1, mine
    assert request[0]["method"] == "POST" and request[0]["path"] == "/v1/admin/model"
    assert request[0]["status"] == 422 and request[0]["duration_ms"] > 0
    assert request[0]["client"] == "127.0.0.1" and request[0]["level"] == "info"
    assert {"timestamp", "logger"} <= set(request[0])
    # a line logged by the route itself, in the threadpool, carries the same id
    assert any("refused" in line["event"] and line["level"] == "warning" for line in mine), mine


def test_cluster_refresh_counted(tmp_path) -> None:
    settings = server_settings(auth=False, database_url=f"sqlite:///{tmp_path / 'mot.db'}")
    with local_server(settings) as base, api_client(base) as client:
        texts = ["my refund never came back", "still waiting for my refund", "the app crashes at login"]
        items = [{"id": str(i), "text": f"{texts[i % 3]} ({i})"} for i in range(30)]
        assert client.post("/v1/comments", json={"comments": items}).status_code == 200
        assert value(samples(client), "mot_cluster_refreshes_total") == 0
        refresh(client)
        after = samples(client)
        assert value(after, "mot_cluster_refreshes_total") == 1
        assert value(after, "mot_cluster_refresh_duration_seconds") > 0
