"""The API reference: /openapi.json describes a comment's fields, with examples, under the
`comments` of POST /v1/analyze and POST /v1/comments (while the items are still checked one by
one), and /docs (Swagger UI) and /redoc render in a real browser with every request to another
host cut off: their scripts and styles come from this server.

With MOT_SCREENSHOTS naming a folder, /docs is saved there as api-reference.png."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from service.local_server import local_server
from tests.helpers import api_client, new_key, server_settings

COMMENT_FIELDS = {"id", "text", "created_at", "source", "metadata", "customer_id"}
BATCH_PATHS = ("/v1/analyze", "/v1/comments")


@dataclass(frozen=True)
class Server:
    url: str
    key: str  # may ingest: the examples are sent as they are documented


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The whole app with authentication on, as in production: the reference needs no key."""
    settings = server_settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('reference') / 'mot.db'}", auth=True
    )
    with local_server(settings) as url:
        yield Server(url, new_key(settings.database_url, "reference", ["read", "ingest"]))


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        *_, name = schema["$ref"].split("/")
        schema = spec["components"]["schemas"][name]
    return schema


@pytest.fixture(scope="module")
def spec(server: Server) -> dict:
    response = httpx.get(f"{server.url}/openapi.json")  # no key
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("path", BATCH_PATHS)
def test_the_schema_describes_each_comment(spec: dict, path: str) -> None:
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    request = resolve(spec, body)
    comments = request["properties"]["comments"]
    assert comments["type"] == "array" and comments["minItems"] == 1
    assert comments["items"] == {"$ref": "#/components/schemas/CommentIn"}
    item = resolve(spec, comments["items"])
    assert set(item["properties"]) == COMMENT_FIELDS
    assert item["required"] == ["text"] and item["additionalProperties"] is False
    for name in COMMENT_FIELDS:
        assert item["properties"][name]["examples"], name
    assert item["properties"]["created_at"]["anyOf"][0] == {"type": "string", "format": "date-time"}

    (example,) = request["examples"]  # a whole request body, shown as the example to send
    assert len(example["comments"]) >= 2
    assert set(example["comments"][0]) == COMMENT_FIELDS


def test_the_documented_example_is_accepted(spec: dict, server: Server) -> None:
    (example,) = resolve(spec, {"$ref": "#/components/schemas/CommentsRequest"})["examples"]
    with api_client(server.url, server.key) as client:
        analysed = client.post("/v1/analyze", json=example)
        assert analysed.status_code == 200, analysed.text
        assert [r["id"] for r in analysed.json()["results"]] == [c.get("id") for c in example["comments"]]

        source = f"ref-{uuid.uuid4().hex[:8]}"  # a source of its own: created, not a duplicate
        stored = client.post(
            "/v1/comments", json={"comments": [{**c, "source": source} for c in example["comments"]]}
        )
        assert stored.status_code == 200, stored.text
        assert [i["status"] for i in stored.json()["items"]] == ["created"] * len(example["comments"])


def test_items_are_still_checked_one_by_one(server: Server) -> None:
    """The schema shows CommentIn, yet a bad item is reported with its index by the service,
    not refused as a malformed body: /v1/comments stores the good ones beside it."""
    good = {"text": "The app logged me out again", "source": f"ref-{uuid.uuid4().hex[:8]}"}
    with api_client(server.url, server.key) as client:
        analysed = client.post("/v1/analyze", json={"comments": [good, 5, {"text": "hi", "colour": "red"}]})
        assert analysed.status_code == 422, analysed.text
        errors = analysed.json()["detail"]["errors"]
        assert [e["index"] for e in errors] == [1, 2]
        assert "must be an object" in errors[0]["message"] and "colour" in errors[1]["message"]

        stored = client.post("/v1/comments", json={"comments": [good, {"id": "x"}]})
        assert stored.status_code == 200, stored.text
        assert [i["status"] for i in stored.json()["items"]] == ["created", "invalid"]


@pytest.mark.parametrize("path", BATCH_PATHS)
def test_a_field_beside_the_comments_is_refused_not_dropped(server: Server, path: str) -> None:
    """A `source` sent for the whole batch would be ignored unseen: the service says where it goes."""
    with api_client(server.url, server.key) as client:
        refused = client.post(path, json={"source": "zendesk", "comments": [{"text": "Still no refund"}]})
    assert refused.status_code == 422
    assert "source" in refused.json()["detail"] and "extra" in refused.json()["detail"].lower()


# ReDoc always shows its sidebar logo from its own CDN; the pages' Content-Security-Policy stops
# that request in the browser, before it is sent.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@dataclass
class Offline:
    """The network cut to the server alone: a request to any other host that gets as far as
    the network is aborted and kept in `sent`; `attempted` is every request the page made to
    another host, `blocked` those the page's own policy stopped first."""

    server: str
    sent: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # script errors and policy violations

    def elsewhere(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != self.server

    def route(self, route: Route) -> None:
        if self.elsewhere(route.request.url):
            self.sent.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def watch(self, page: Page) -> None:
        page.route("**/*", self.route)
        page.on("request", lambda r: self.attempted.append(r.url) if self.elsewhere(r.url) else None)
        page.on("requestfailed", lambda r: self.blocked.append(r.url) if r.failure == "csp" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if "Content Security Policy" in m.text else None,
        )


@pytest.fixture
def offline(page: Page, server: Server) -> Iterator[Offline]:
    cut = Offline(urlsplit(server.url).netloc)
    cut.watch(page)
    yield cut
    assert cut.sent == [], f"requests sent to other hosts: {cut.sent}"


def test_swagger_ui_renders_offline(page: Page, server: Server, offline: Offline) -> None:
    response = page.goto(f"{server.url}/docs")  # no key, no session
    assert response is not None and response.status == 200
    analyze = page.locator('.swagger-ui .opblock-post:has(.opblock-summary-path[data-path="/v1/analyze"])')
    expect(analyze).to_be_visible()
    expect(analyze.locator(".opblock-summary-method")).to_have_text("POST")
    assert page.locator(".swagger-ui .opblock").count() >= 20  # every operation, not a few
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("MOT Miner")

    analyze.locator(".opblock-summary").click()  # its request body, with the documented example
    expect(analyze.locator(".opblock-section-request-body")).to_contain_text("zd-48213")
    assert page.evaluate(
        "() => [...document.scripts].every(s => !s.src || s.src.startsWith(location.origin))"
    )

    folder = os.environ.get("MOT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / "api-reference.png", full_page=False)

    health = page.locator('.swagger-ui .opblock-get:has(.opblock-summary-path[data-path="/healthz"])')
    health.locator(".opblock-summary").click()  # "Try it out" calls this server, as the policy allows
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    expect(health.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    expect(health.locator(".live-responses-table")).to_contain_text('"status": "ok"')

    assert offline.attempted == [] and offline.errors == []  # not even tried, nothing refused


def test_redoc_renders_offline(page: Page, server: Server, offline: Offline) -> None:
    response = page.goto(f"{server.url}/redoc")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1, name=re.compile(r"MOT Miner"))).to_be_visible()
    operation = page.locator('[data-section-id="tag/analyze/operation/analyze_v1_analyze_post"]')
    expect(operation.get_by_role("heading", level=2, name="Analyze")).to_be_visible()
    expect(operation).to_contain_text("/v1/analyze")
    body = operation.locator("table").first  # the request body's schema
    expect(body).to_contain_text("Array of objects")
    body.locator(".property-name", has_text="comments").click()  # unfolds an item's fields
    for name in COMMENT_FIELDS:
        expect(body.locator(".property-name", has_text=re.compile(rf"^{name}$"))).to_be_visible()
    expect(operation).to_contain_text("zd-48213")  # the request sample is the documented example
    page.get_by_role("textbox", name="Search").fill("taxonomies")  # search runs in its worker
    results = page.locator('[data-role="search:results"] [role="menuitem"]')
    expect(results.filter(has_text="List Taxonomies")).to_be_visible()

    assert offline.attempted == offline.blocked == [REDOC_LOGO]
    assert len(offline.errors) == 1 and REDOC_LOGO in offline.errors[0]  # that refusal, and no other
