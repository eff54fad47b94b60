"""`mot faults`: faults injected into a real server under load, then the same check as `mot load`.

- `kill`: the server gets SIGKILL mid-load and is started again on the same database and port;
  the clients retry their cut-off batches with the same ids.
- `postgres`: a throwaway PostgreSQL (service/tools/scratch_postgres.py) is stopped mid-load and
  started again; the service must answer 503 with Retry-After meanwhile and recover by itself.
- `both`: the two in one run, on the throwaway PostgreSQL: the outage from a quarter of the time,
  the kill at 60% of it (or when the service has recovered, if later).

Each fault is reported with its times (seconds since the load began) and what the clients saw.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tqdm import tqdm

from service.tools.loadreport import report
from service.tools.loadserver import ServerProcess, ingest_key
from service.tools.loadtest import LoadConfig, Run, run_load
from service.tools.scratch_postgres import DEFAULT_BIN, ScratchPostgres

SCENARIOS = ("kill", "postgres", "both")
READY_WAIT_S = 180  # the longest a recovery may take before the fault counts as failed


def wait_until(run: Run, at_s: float) -> bool:
    """False when the run was stopped (Ctrl-C) first: then no fault is injected."""
    while run.now() < at_s:
        if run.stopped.is_set():
            return False
        time.sleep(0.05)
    return not run.stopped.is_set()


def wait_ready(server: ServerProcess, run: Run) -> float | None:
    """Seconds since the load began when /readyz answers 200 again; None if it never does."""
    deadline = time.monotonic() + READY_WAIT_S
    while not server.ready():
        if time.monotonic() > deadline or run.stopped.is_set():
            return None
        time.sleep(0.1)
    return run.now()


def kill_server(server: ServerProcess, run: Run, at_s: float) -> dict[str, Any] | None:
    if not wait_until(run, at_s):
        return None
    killed = run.now()
    tqdm.write(f"faults: kill -9 of the server at {killed:.1f} s", file=sys.stderr)
    server.kill()
    restart = server.start()
    back = run.now()
    tqdm.write(f"faults: server ready again at {back:.1f} s", file=sys.stderr)
    return {
        "kind": "kill",
        "killed_at_s": round(killed, 2),
        "restart_s": round(restart, 2),
        "back_at_s": back,
    }


def stop_postgres(
    database: ScratchPostgres, server: ServerProcess, run: Run, at_s: float, outage_s: float, mode: str
) -> dict[str, Any] | None:
    if not wait_until(run, at_s):
        return None
    stopped = run.now()
    tqdm.write(f"faults: PostgreSQL stopped ({mode}) at {stopped:.1f} s", file=sys.stderr)
    database.stop(mode)
    time.sleep(max(0.0, stopped + outage_s - run.now()))
    database.start()
    started = run.now()
    ready = wait_ready(server, run)
    tqdm.write(
        f"faults: PostgreSQL back at {started:.1f} s, service ready at {ready or float('nan'):.1f} s",
        file=sys.stderr,
    )
    return {
        "kind": "postgres",
        "stop_mode": mode,
        "stopped_at_s": round(stopped, 2),
        "started_at_s": round(started, 2),
        "ready_at_s": None if ready is None else round(ready, 2),
        "recovery_s": None if ready is None else round(ready - started, 2),
        "back_at_s": ready if ready is not None else float("inf"),
    }


def describe(fault: dict[str, Any], run: Run) -> dict[str, Any]:
    """Add what the clients saw from the fault's start until the service was back."""
    begin = fault.get("killed_at_s", fault.get("stopped_at_s", 0.0))
    end = fault.pop("back_at_s")
    seen = [a for a in run.attempts if begin <= a.answered <= end]
    outcomes = Counter(a.outcome for a in seen)
    described = {**fault, "answers_during": dict(sorted(outcomes.items()))}
    if fault["kind"] == "postgres":
        refused = [a for a in seen if a.outcome == "503"]
        described["answers_503"] = len(refused)
        described["answers_503_without_retry_after"] = sum(1 for a in refused if not a.retry_after)
        described["slowest_503_ms"] = round(max((a.answered - a.sent for a in refused), default=0) * 1000, 1)
        started = fault["started_at_s"]
        first_ack = min(
            (a.answered for a in run.attempts if a.outcome == "200" and a.sent >= started), default=None
        )
        described["first_acknowledged_after_s"] = None if first_ack is None else round(first_ack - started, 2)
    else:
        described["connection_errors"] = sum(n for o, n in outcomes.items() if o.startswith("conn"))
    return described


def run_faults(
    scenario: str,
    config: LoadConfig,
    database_url: str | None = None,
    outage_s: float = 10,
    stop_mode: str = "fast",
    postgres_bin: Path = DEFAULT_BIN,
) -> dict[str, Any]:
    """Run the scenario under load; returns the load report with `faults` and `ok` (nothing lost
    or duplicated, every fault recovered from, the outage answered with 503 and Retry-After)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mot-faults-")))
        database: ScratchPostgres | None = None
        if scenario == "kill":
            url = database_url or f"sqlite:///{folder / 'faults.db'}"
        else:
            database = stack.enter_context(ScratchPostgres(postgres_bin))
            url = database.url
        server = ServerProcess(url, folder / "server.log", {"MOT_AUTH": "true"})
        key = ingest_key(url)
        server.start()
        stack.callback(server.stop)
        faults: list[dict[str, Any] | None] = []
        failures: list[str] = []

        def inject(run: Run) -> None:
            try:
                # both: the outage first, the kill after it; the clients' batches cut by the kill
                # wait for the restart, however long it takes, so both faults always meet load
                if database is not None:
                    at = config.seconds * (0.25 if scenario == "both" else 0.3)
                    faults.append(stop_postgres(database, server, run, at, outage_s, stop_mode))
                if scenario in ("kill", "both"):
                    at = config.seconds * (0.6 if scenario == "both" else 0.3)
                    faults.append(kill_server(server, run, at))
            except Exception as exc:  # noqa: BLE001 - reported in the JSON, and the run fails
                failures.append(f"{type(exc).__name__}: {exc}")
                run.stopped.set()

        run = run_load(server.url, key, config, beside=inject)
        server.stop()
        result = report(run, url)
        result["scenario"] = scenario
        result["faults"] = [describe(f, run) for f in faults if f is not None]
        result["fault_failures"] = failures
        injected = len(result["faults"]) == (2 if scenario == "both" else 1)
        result["ok"] = result["ok"] and injected and not failures and all(map(fault_ok, result["faults"]))
        if failures:
            result["server_log_tail"] = server.tail()
        return result


def fault_ok(fault: dict[str, Any]) -> bool:
    if fault["kind"] == "kill":
        return True  # its proof is the database check: nothing lost, nothing twice
    return (
        fault["recovery_s"] is not None
        and fault["answers_503"] > 0
        and fault["answers_503_without_retry_after"] == 0
    )
