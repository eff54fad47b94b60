"""Schemathesis against the real server: every operation of the app's OpenAPI schema, valid and
invalid data, with authentication on (an admin key), on SQLite and PostgreSQL. No answer may be
a server error (the documented 503 and 429 aside) and every answer must match the schema.

MOT_FUZZ_EXAMPLES sets the examples per operation and mode (default 20, which keeps this file
near a minute); a deeper run: `MOT_FUZZ_EXAMPLES=200 pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import make_url

from service.local_server import local_server
from service.main import create_app
from service.settings import Settings
from tests.helpers import CLIENT_TIMEOUT_S, api_client, new_key, server_settings

EXAMPLES = int(os.environ.get("MOT_FUZZ_EXAMPLES", "20"))
# Not negative_data_rejection: FastAPI reads the last of a repeated query parameter and ignores
# unknown ones, which that check counts as accepting invalid data; the answer is still correct.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def fuzz_settings(database_url: str) -> Settings:
    """Small limits, so that generated batches cost the model little; no rate limit, so that the
    fuzzer's pace is not answered 429."""
    return server_settings(
        database_url=database_url,
        rate_limit_per_second=0,
        max_batch=5,
        max_text_chars=300,
        max_body_bytes=100_000,
        max_taxonomy_bytes=20_000,
        upload_max_bytes=20_000,
        upload_max_rows=50,
    )


SCHEMA = schemathesis.openapi.from_dict(create_app(fuzz_settings("sqlite://")).openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@dataclass
class Target:
    url: str
    key: str
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def target(request: pytest.FixtureRequest, own_database_url: str) -> Iterator[Target]:
    """A server of its own on an empty database (the fuzzer erases, merges and refreshes), with
    a few stored comments so that ids in paths can hit something."""
    backend = make_url(own_database_url).get_backend_name()
    started = time.monotonic()
    target = None
    try:
        with local_server(fuzz_settings(own_database_url)) as url:
            target = Target(url, new_key(own_database_url, "fuzzer", ["admin"]))
            with api_client(url, target.key) as c:
                seeded = c.post(
                    "/v1/comments",
                    json={"comments": [{"id": str(i), "text": t} for i, t in enumerate(SEED)]},
                )
                assert seeded.status_code == 200, seeded.text
            yield target
    finally:
        if target is not None:
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            capture = request.config.pluginmanager.get_plugin("capturemanager")
            with capture.global_and_fixture_disabled():
                reporter.write_line(
                    f"\nfuzz {backend}: {len(target.requests)} operations, "
                    f"{sum(target.requests.values())} requests, statuses {dict(sorted(target.statuses.items()))}, "
                    f"{time.monotonic() - started:.0f} s"
                )


SEED = [
    "The app crashed when I tried to pay",
    "My card never arrived and support was rude",
    "Refund took three weeks",
]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_operation(target: Target, operation: schemathesis.APIOperation, mode: GenerationMode) -> None:
    headers = {"authorization": f"Bearer {target.key}"}

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink],
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def call(case: schemathesis.Case) -> None:
        response = case.call(base_url=target.url, headers=headers, timeout=CLIENT_TIMEOUT_S)
        target.requests[operation.label] += 1
        target.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        call()
    except hypothesis.errors.Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to make invalid (/healthz has no inputs)
