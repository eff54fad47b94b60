"""Overload behaviour, over real HTTP: small requests share model calls (micro-batching), a full
queue answers 429 with Retry-After at once, a request that waits too long gets 503, and SIGTERM
lets every accepted request finish."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from service.local_server import free_port, local_server
from tests.helpers import REQUEST_TIMEOUT_S, WAIT_S, api_client, server_env, server_settings

TEXTS = [
    "The flight was delayed for three hours and nobody told us why",
    "Lost my bag in Chicago, still waiting for a call back",
    "Great crew, friendly and helpful on the way to Denver",
    "Could not check in online, the app kept crashing",
]


def batch(n: int, tag: str) -> dict:
    return {
        "comments": [{"id": f"{tag}-{i}", "text": f"{TEXTS[i % len(TEXTS)]} ({tag} {i})"} for i in range(n)]
    }


def batch_count(client: httpx.Client) -> float:
    text = client.get("/metrics").text
    return float(re.search(r"^mot_inference_batch_size_count (\S+)$", text, re.M).group(1))


@pytest.fixture(scope="module")
def small_queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = server_settings(
        auth=False,
        database_url=f"sqlite:///{tmp_path_factory.mktemp('q') / 'mot.db'}",
        queue_max_comments=40,
    )
    with local_server(settings) as url:
        yield url


def test_small_requests_share_model_calls(small_queue: str) -> None:
    with api_client(small_queue) as client:
        before = batch_count(client)
        with ThreadPoolExecutor(16) as pool:
            codes = list(
                pool.map(lambda i: client.post("/v1/analyze", json=batch(1, f"s{i}")).status_code, range(16))
            )
        assert codes == [200] * 16
        calls = batch_count(client) - before
        assert 1 <= calls < 16, f"{calls} model calls for 16 one-comment requests: nothing was batched"


def test_a_full_queue_answers_429_at_once(small_queue: str) -> None:
    with api_client(small_queue) as client:

        def send(i: int) -> httpx.Response:
            return client.post("/v1/comments", json=batch(30, f"full{i}"))

        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(send, range(8)))
        codes = sorted(r.status_code for r in responses)
        assert set(codes) <= {200, 429} and 200 in codes and 429 in codes, codes
        refused = next(r for r in responses if r.status_code == 429)
        assert (
            int(refused.headers["retry-after"]) >= 1 and "MOT_QUEUE_MAX_COMMENTS" in refused.json()["detail"]
        )
        for i, response in enumerate(responses):  # what was acknowledged is stored; refused ones are not
            stored = client.get(
                "/v1/comments", params={"source": "api", "q": f"full{i}", "limit": 100}
            ).json()
            assert len(stored["comments"]) == (30 if response.status_code == 200 else 0)


def test_a_request_that_waits_too_long_gets_503(tmp_path: Path) -> None:
    # the one test about the timeout: the CPU encoder takes well over 0.2 s for 400 comments
    settings = server_settings(
        auth=False, database_url=f"sqlite:///{tmp_path / 'mot.db'}", request_timeout_s=0.2
    )
    with local_server(settings) as url, api_client(url) as client:
        slow = client.post("/v1/analyze", json=batch(400, "slow"))
        assert slow.status_code == 503 and "MOT_REQUEST_TIMEOUT_S" in slow.json()["detail"]
        assert int(slow.headers["retry-after"]) >= 1
        assert client.post("/v1/analyze", json=batch(1, "quick")).status_code in (200, 503)  # still answering


def test_sigterm_drains_accepted_requests(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(
        MOT_AUTH="false",
        MOT_DATABASE_URL=f"sqlite:///{tmp_path / 'mot.db'}",
        MOT_LOG_FORMAT="console",
        MOT_SHUTDOWN_GRACE_S=str(REQUEST_TIMEOUT_S),  # the accepted requests finish, however slowly
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        sent = threading.Semaphore(0)

        def trace(event: str, info: dict) -> None:  # httpcore's: the request is on the wire
            if event == "http11.send_request_body.complete":
                sent.release()

        def send(i: int) -> httpx.Response:
            return client.post("/v1/comments", json=batch(40, f"term{i}"), extensions={"trace": trace})

        with api_client(url) as client, ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(send, i) for i in range(6)]
            for _ in futures:  # every request has been sent, however long the threads took to start
                assert sent.acquire(timeout=WAIT_S), "a request was never sent"
            time.sleep(1.0)  # and read by the server: the model works through them one batch at a time
            server.send_signal(signal.SIGTERM)
            responses = [f.result() for f in futures]
        assert [r.status_code for r in responses] == [200] * 6  # none dropped by the shutdown
        assert all(r.json()["created"] == 40 for r in responses)
        # uvicorn re-raises SIGTERM once it has shut down cleanly, so the process ends by that signal
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()
