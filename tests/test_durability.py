"""kill -9 of the server while comments stream in loses none that were acknowledged."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from service.tools.loadserver import ServerProcess
from tests.helpers import api_client, server_env


def batch(source: str, number: int, size: int = 8) -> dict[str, object]:
    return {
        "comments": [
            {
                "id": f"{number}-{i}",
                "source": source,
                "text": f"Flight {number} was delayed {i} hours, no help at the gate",
            }
            for i in range(size)
        ]
    }


def test_kill_during_ingestion_loses_nothing_acknowledged(tmp_path: Path) -> None:
    # SQLite here (WAL, synchronous FULL); the kill on PostgreSQL, under 8 clients, is
    # tests/test_loadtest.py's faults scenario. Auth off (an explicit setting): this test is
    # about durability; keys are tested in test_auth.py
    source = f"kill-sqlite-{time.time_ns()}"
    server = ServerProcess(
        f"sqlite:///{tmp_path / 'kill.db'}",
        tmp_path / "serve.log",
        server_env(MOT_AUTH="false", MOT_DEFAULT_TAXONOMY="airline"),
    )
    acknowledged: set[str] = set()
    sent = 0
    server.start()
    try:
        stop = threading.Event()

        def send() -> None:
            nonlocal sent
            with api_client(server.url) as client:
                while not stop.is_set():
                    try:
                        response = client.post("/v1/comments", json=batch(source, sent))
                    except httpx.TransportError:
                        return  # the server died under us: this batch was never acknowledged
                    sent += 1
                    if response.status_code == 200:
                        acknowledged.update(
                            i["id"] for i in response.json()["items"] if i["status"] == "created"
                        )

        thread = threading.Thread(target=send)
        thread.start()
        while len(acknowledged) < 40:
            time.sleep(0.05)
        server.kill()  # SIGKILL mid-stream: a request is almost surely in flight
        stop.set()
        thread.join()
        server.start()  # the same port and database
        check(server.url, source, acknowledged, sent)
    finally:
        server.kill()


def check(url: str, source: str, acknowledged: set[str], sent: int) -> None:
    with api_client(url) as client:

        def stored() -> list[str]:
            ids, cursor = [], None
            while True:
                page = client.get(
                    "/v1/comments",
                    params={"source": source, "limit": 1000, **({"cursor": cursor} if cursor else {})},
                ).json()
                ids += [c["id"] for c in page["comments"]]
                if not (cursor := page["next_cursor"]):
                    return ids

        assert acknowledged <= set(stored())
        # The client retries everything it sent, acknowledged or not: each comment is stored once.
        for number in range(sent + 1):
            assert client.post("/v1/comments", json=batch(source, number)).status_code == 200
        after = stored()
        assert len(after) == len(set(after)) == (sent + 1) * 8
