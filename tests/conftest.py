"""Real parts only: the bundled encoder, real SQLite files and the local PostgreSQL, and the
app served by uvicorn on a local port, called over HTTP. What the modules share besides these
fixtures is in tests/helpers.py."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from models.encoder import Encoder
from models.pipeline import Analyzer
from models.redact import Redactor
from models.sentiment import SentimentHead
from service.local_server import local_server
from tests.helpers import CHROMIUM, api_client, scratch_database, server_settings


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return Encoder()


@pytest.fixture(scope="session")
def analyzer(encoder: Encoder) -> Analyzer:
    return Analyzer(encoder, SentimentHead.load(), Redactor())


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A schema of its own in the test database, dropped afterwards."""
    with scratch_database("postgresql", tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database of the shared `server`, on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'mot.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def own_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database for one module's own server, on each backend in turn: for tests whose
    answers are known only on a store nobody else writes to."""
    with scratch_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[str]:
    """The whole app on a local port: real HTTP, real database, real model."""
    settings = server_settings(
        auth=False,  # the contract tests; keys, scopes and sessions: test_auth.py and the browser tests
        database_url=database_url,
        max_batch=50,
        max_text_chars=2000,
        max_body_bytes=200_000,
        max_taxonomy_bytes=50_000,
        upload_max_bytes=100_000,
    )
    with local_server(settings) as url:
        yield url


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with api_client(server) as c:
        yield c


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """pytest-playwright launches Debian's chromium: no browser is ever downloaded. Missing, the
    browser tests fail (never skip) so CI cannot pass without them."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} not found: install it (apt-get install -y chromium) or set MOT_TEST_CHROMIUM"
        )
    return {"executable_path": str(CHROMIUM)}


@pytest.fixture(scope="session")
def browser_context_args() -> dict:
    return {"viewport": {"width": 1280, "height": 900}, "accept_downloads": True}
