"""Real parts only: the bundled encoder, real SQLite files and the local PostgreSQL, and the
app served by uvicorn on a local port, called over HTTP."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from models.encoder import Encoder
from models.pipeline import Analyzer
from models.redact import Redactor
from models.sentiment import SentimentHead
from service.local_server import local_server
from service.settings import Settings

POSTGRES_URL = os.environ.get("MOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CHROMIUM = Path(os.environ.get("MOT_TEST_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return Encoder()


@pytest.fixture(scope="session")
def analyzer(encoder: Encoder) -> Analyzer:
    return Analyzer(encoder, SentimentHead.load(), Redactor())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A schema of its own in the test database, dropped afterwards."""
    schema = f"mot_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'mot.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[str]:
    """The whole app on a local port: real HTTP, real database, real model."""
    settings = Settings(
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
    with httpx.Client(base_url=server, timeout=120) as c:
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
