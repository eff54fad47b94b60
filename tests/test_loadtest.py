"""`mot load` and `mot faults`, short but real: the installed command starts a real `mot serve`
(auth on, its own ingest key), 8 clients post for a few seconds, and every acknowledged comment
is looked up in the database. The faults: kill -9 of the server and a throwaway PostgreSQL
stopped and started again, in one run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.tools.loadreport import check_stored


def mot(*args: str, env: dict[str, str] | None = None) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert done.stdout.strip(), done.stderr[-3000:]
    result = json.loads(done.stdout)  # stdout is the JSON alone; progress and notes go to stderr
    assert done.returncode == (0 if result["ok"] else 1)
    return result, done.stderr


def assert_nothing_lost(result: dict) -> None:
    assert result["comments_acknowledged"] > 0
    assert result["lost"] == 0 and result["duplicates"] == 0 and result["duplicate_mentions"] == 0
    assert result["mismatched"] == 0  # each id holds the text sent with it
    assert result["errors"] == 0 and result["abandoned_batches"] == 0
    assert result["stored"] == result["comments_acknowledged"] + result["unacknowledged_stored"]
    assert result["ok"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_load_stores_every_acknowledged_comment_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'load.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    out = tmp_path / "load.json"
    result, stderr = mot(
        "load", "--clients", "8", "--seconds", "10", "--batch", "10", "--database-url", url, "--out", str(out)
    )
    assert json.loads(out.read_text()) == result
    assert "load: 100%" in stderr  # the progress bar ran to the end
    assert_nothing_lost(result)
    assert result["database"] == backend
    assert result["responses"].get("200", 0) * 10 >= result["comments_acknowledged"]
    assert result["comments_per_s"] > 0 and result["latency_ms"]["p50"] > 0
    assert result["latency_ms"]["p50"] <= result["latency_ms"]["p95"] <= result["latency_ms"]["p99"]

    # The check is no formality: an id never stored counts as lost, another text as mismatched.
    acknowledged = {f"0-0-{i}": f"text {i}" for i in range(3)}
    checked = check_stored(url, result["source"], {**acknowledged, "never-sent": "x"})
    assert checked["lost"] == 1 and checked["mismatched"] == 3


def test_faults_kill_and_postgres_outage_lose_nothing(tmp_path: Path) -> None:
    # Retry-After of 1 s: the clients come back often during the short outage
    result, stderr = mot(
        "faults", "--scenario", "both", "--clients", "8", "--seconds", "30", "--batch", "10",
        "--outage", "5", "--out", str(tmp_path / "faults.json"),
        env={"MOT_RETRY_AFTER_S": "1"},
    )  # fmt: skip
    assert "kill -9 of the server" in stderr and "PostgreSQL stopped" in stderr
    assert result["fault_failures"] == []
    assert_nothing_lost(result)
    outage, kill = result["faults"]
    assert kill["kind"] == "kill" and kill["restart_s"] > 0
    assert kill["connection_errors"] > 0  # the clients saw it, and retried
    assert outage["kind"] == "postgres"
    assert outage["answers_503"] > 0 and outage["answers_503_without_retry_after"] == 0
    # no 500 and no cut connection while it was down (a 200: committed just before the stop)
    assert set(outage["answers_during"]) <= {"200", "503"}
    assert outage["slowest_503_ms"] < 10_000  # answered promptly, never hung
    assert outage["recovery_s"] is not None and outage["recovery_s"] < 10  # by itself, soon
    assert outage["first_acknowledged_after_s"] is not None
