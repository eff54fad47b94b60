"""API keys and scopes, the web UI's sign-in and CSRF, per-key rate limits: a real server with
authentication on (the default), over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from service.auth.keys import SCOPES
from service.auth.sessions import COOKIE
from service.local_server import local_server
from service.settings import Settings
from service.store.engine import make_engine, session_factory
from service.store.tables import ApiKey
from tests.helpers import api_client, mot, new_key, server_settings


@dataclass(frozen=True)
class Secured:
    url: str
    database_url: str
    keys: dict[str, str]  # scope -> a key that has only that scope

    def client(self, scope: str | None = None, **kwargs: object) -> httpx.Client:
        return api_client(self.url, self.keys[scope] if scope else None, **kwargs)


@pytest.fixture(scope="module")
def secured(database_url: str) -> Iterator[Secured]:
    settings = server_settings(database_url=database_url, max_batch=50, rate_limit_per_second=0)
    assert settings.auth, "authentication must be on unless a setting turns it off"
    with local_server(settings) as url:
        keys = {scope: new_key(database_url, f"only-{scope}", [scope]) for scope in SCOPES}
        with api_client(url, keys["ingest"]) as c:
            stored = c.post(
                "/v1/comments",
                json={
                    "comments": [{"id": uuid.uuid4().hex, "source": "auth", "text": "My card never arrived"}]
                },
            )
            assert stored.status_code == 200, stored.text
        yield Secured(url, database_url, keys)


def comment_id(secured: Secured) -> int:
    with secured.client("read") as c:
        return c.get("/v1/comments", params={"source": "auth", "limit": 1}).json()["comments"][0][
            "comment_id"
        ]


# (method, path, json body) for each scope: a request only that scope (or admin) may make
def calls(cid: int) -> dict[str, list[tuple[str, str, dict | None]]]:
    return {
        "ingest": [
            ("POST", "/v1/analyze", {"comments": [{"text": "the app crashes"}]}),
            (
                "POST",
                "/v1/comments",
                {"comments": [{"id": uuid.uuid4().hex, "source": "auth", "text": "slow refund"}]},
            ),
        ],
        "read": [
            ("GET", "/v1/comments", None),
            ("GET", "/v1/journey", None),
            ("GET", "/v1/clusters", None),
            ("GET", "/v1/model", None),
            ("GET", "/v1/export/comments.csv", None),
            ("GET", "/v1/corrections/export", None),
            ("GET", "/v1/jobs", None),
            ("GET", "/metrics", None),
        ],
        "triage": [
            ("POST", f"/v1/comments/{cid}/corrections", {"sentiment": "negative"}),
            ("POST", "/v1/clusters/refresh", None),
        ],
        "admin": [
            ("POST", "/v1/admin/model", {"bundle": "/nonexistent"}),  # 422 once let in: no such bundle
            ("DELETE", "/v1/customers/nobody", None),
            (
                "POST",
                "/v1/taxonomies",
                {
                    "name": f"t{uuid.uuid4().hex[:8]}",
                    "touchpoints": [{"id": "x", "name": "X", "stage": "usage", "description": "x"}],
                },
            ),
        ],
    }


def test_no_key_is_refused_but_health_is_open(secured: Secured) -> None:
    with secured.client() as c:
        refused = c.get("/v1/comments")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert "mot keys create" in refused.json()["detail"]
        assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200
        wrong = c.get("/v1/comments", headers={"authorization": "Bearer mot_00000000_nope"})
        assert wrong.status_code == 401 and "unknown or revoked" in wrong.json()["detail"]
        schemes = c.get("/openapi.json").json()["components"]["securitySchemes"]
        assert schemes["HTTPBearer"]["scheme"] == "bearer"  # fuzzers and clients see how to sign in


def test_each_scope_is_refused_outside_its_endpoints(secured: Secured) -> None:
    plan = calls(comment_id(secured))
    for scope in SCOPES:
        with secured.client(scope) as c:
            for allowed, requests in plan.items():
                for method, path, body in requests:
                    response = c.request(method, path, json=body)
                    if scope in (allowed, "admin"):
                        assert response.status_code not in (401, 403), (scope, method, path, response.text)
                    else:
                        assert response.status_code == 403, (scope, method, path, response.text)
                        assert f"lacks the scope '{allowed}'" in response.json()["detail"]


def test_keys_are_stored_as_hashes_and_revocation_is_immediate(secured: Secured) -> None:
    key = new_key(secured.database_url, "temporary", ["read"])
    key_id = key.split("_")[1]
    engine = make_engine(secured.database_url)
    with session_factory(engine)() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.id == key_id)).one()
        assert key not in json.dumps([row.secret_hash, row.name, row.scopes]) and len(row.secret_hash) == 64
        assert row.last_used_at is None
    with api_client(secured.url, key) as c:
        assert c.get("/v1/comments").status_code == 200
        with session_factory(engine)() as session:
            assert session.get(ApiKey, key_id).last_used_at is not None
        revoked = mot_on(secured.database_url, "keys", "revoke", key_id)
        assert json.loads(revoked.stdout)["revoked_at"]
        assert c.get("/v1/comments").status_code == 401
    engine.dispose()


def mot_on(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`mot` on the server's database; it must succeed."""
    done = mot(*args, env={"MOT_DATABASE_URL": database_url})
    assert done.returncode == 0, done.stderr
    return done


def test_keys_command_creates_lists_and_refuses_bad_scopes(secured: Secured) -> None:
    made = json.loads(mot_on(secured.database_url, "keys", "create", "zendesk", "--scope", "ingest").stdout)
    assert made["key"].startswith("mot_") and made["scopes"] == ["ingest"]
    listed = json.loads(mot_on(secured.database_url, "keys", "list").stdout)
    mine = next(k for k in listed if k["id"] == made["id"])
    assert "key" not in mine and mine["name"] == "zendesk"  # the key itself is never shown again
    bad = mot("keys", "create", "x", "--scope", "root", env={"MOT_DATABASE_URL": secured.database_url})
    assert bad.returncode == 2 and "scopes must be some of ingest, read, triage, admin" in bad.stderr


def test_ui_sign_in_session_csrf_and_sign_out(secured: Secured) -> None:
    analyst = new_key(secured.database_url, "analyst", ["read", "triage"])
    with secured.client(follow_redirects=False) as browser:
        first = browser.get("/ui/comments?q=card")
        assert (
            first.status_code == 303
            and first.headers["location"] == "/ui/login?next=%2Fui%2Fcomments%3Fq%3Dcard"
        )
        wrong = browser.post("/ui/login", data={"key": "mot_1234abcd_wrong", "next": "/ui/"})
        assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
        foreign = browser.post("/ui/login", data={"key": analyst}, headers={"origin": "https://evil.example"})
        assert foreign.status_code == 403
        signed = browser.post("/ui/login", data={"key": analyst, "next": "https://evil.example/x"})
        assert signed.status_code == 303 and signed.headers["location"] == "/ui/"  # no open redirect
        cookie = signed.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and analyst not in cookie
        page = browser.get("/ui/comments")
        assert page.status_code == 200
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        cid = comment_id(secured)
        body = {"sentiment": "neutral"}
        assert browser.post(f"/v1/comments/{cid}/corrections", json=body).status_code == 403  # no token
        forged = browser.post(f"/v1/comments/{cid}/corrections", json=body, headers={"x-csrf-token": "guess"})
        assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
        ok = browser.post(f"/v1/comments/{cid}/corrections", json=body, headers={"x-csrf-token": csrf})
        assert ok.status_code == 201, ok.text
        assert browser.get("/v1/comments").status_code == 200  # reading needs no token
        assert browser.post("/ui/logout", data={"csrf": "guess"}).status_code == 403
        assert browser.post("/ui/logout", data={"csrf": csrf}).status_code == 303
        browser.cookies.set(COOKIE, signed.cookies[COOKIE])  # the old cookie is dead after sign-out
        assert browser.get("/ui/comments").status_code == 303


def test_revoking_a_key_ends_its_ui_sessions(secured: Secured) -> None:
    analyst = new_key(secured.database_url, "leaver", ["read"])
    with secured.client(follow_redirects=False) as browser:
        assert browser.post("/ui/login", data={"key": analyst}).status_code == 303
        assert browser.get("/ui/").status_code == 200
        mot_on(secured.database_url, "keys", "revoke", analyst.split("_")[1])
        assert browser.get("/ui/").status_code == 303
        assert browser.get("/v1/comments").status_code == 401


def test_a_key_without_read_cannot_sign_in(secured: Secured) -> None:
    with secured.client(follow_redirects=False) as browser:
        refused = browser.post("/ui/login", data={"key": secured.keys["ingest"]})
        assert refused.status_code == 403 and "no read scope" in refused.text


def test_rate_limit_per_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database_url = f"sqlite:///{tmp_path / 'mot.db'}"
    # one request per 5 s: the five below are made well within that, however busy the machine
    settings = server_settings(database_url=database_url, rate_limit_per_second=0.2, rate_limit_burst=3)
    with local_server(settings) as url:
        busy, calm = new_key(database_url, "busy", ["read"]), new_key(database_url, "calm", ["read"])
        with api_client(url, busy) as c:
            codes = [c.get("/v1/jobs").status_code for _ in range(4)]
            assert codes[:3] == [200, 200, 200] and codes[3] == 429
            limited = c.get("/v1/jobs")
            assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
            assert "MOT_RATE_LIMIT_PER_SECOND" in limited.json()["detail"]
            with api_client(url, calm) as other:
                assert other.get("/v1/jobs").status_code == 200  # one key's limit is its own
            time.sleep(int(limited.headers["retry-after"]))
            assert c.get("/v1/jobs").status_code == 200  # the bucket refills, as Retry-After said


def test_auth_off_only_by_setting_and_said_loudly(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    assert Settings.model_fields["auth"].default is True
    settings = server_settings(auth=False, database_url=f"sqlite:///{tmp_path / 'mot.db'}")
    with caplog.at_level("WARNING", logger="mot"), local_server(settings) as url, api_client(url) as anyone:
        assert anyone.get("/v1/comments").status_code == 200  # anyone gets in
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("AUTHENTICATION IS OFF (MOT_AUTH=false)" in w for w in warnings), warnings
