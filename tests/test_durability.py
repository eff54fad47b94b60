"""kill -9 of the server while comments stream in loses none that were acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from service.local_server import free_port


@contextmanager
def mot_serve(database_url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    # auth off (an explicit setting): this test is about durability; keys are tested in test_auth.py
    env = {
        **os.environ,
        "MOT_AUTH": "false",
        "MOT_DATABASE_URL": database_url,
        "MOT_DEFAULT_TAXONOMY": "airline",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, "mot serve exited during start-up"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "mot serve did not become ready"
            time.sleep(0.3)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


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
    # SQLite here (WAL, synchronous=NORMAL); the kill on PostgreSQL, under 8 clients, is
    # tests/test_loadtest.py's faults scenario
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    source = f"kill-sqlite-{time.time_ns()}"
    port = free_port()
    acknowledged: set[str] = set()
    sent = 0
    with mot_serve(url, port) as process:
        stop = threading.Event()

        def send() -> None:
            nonlocal sent
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
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
        process.send_signal(signal.SIGKILL)  # mid-stream: a request is almost surely in flight
        stop.set()
        thread.join()

    with mot_serve(url, port), httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

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
