"""Pain clusters through the API on SQLite and PostgreSQL: refresh on demand, list by pain,
detail, emerging, analyst's name and status kept across a refresh that adds a day of comments,
drill-down to the comments, and assignment of a new comment at ingest."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, text

from service.local_server import local_server
from service.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.test_cluster import comments

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STARS = {"refund": 1, "login": 4, "delivery": 3}  # by construction: refund complaints cost most


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fresh_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on an empty database of its own: the clusters are known by construction."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('clusters') / 'mot.db'}"
    else:
        schema = f"mot_clusters_{uuid.uuid4().hex[:8]}"
        with create_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with local_server(Settings(auth=False, database_url=url, default_taxonomy="ecommerce")) as base:
        yield base
    if schema:
        with create_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def day_of_comments(day: int, per_group: dict[str, int], used: dict[str, int]) -> list[dict]:
    items = []
    for group, count in per_group.items():
        for k, body in enumerate(comments(group, count, start=used.get(group, 0))):
            stamp = START + timedelta(days=day, minutes=5 * k)
            items.append(
                {
                    "id": f"{group}-{used.get(group, 0) + k}",
                    "text": f"Terrible. {body}",
                    "created_at": stamp.isoformat(),
                    "metadata": {"rating": STARS[group]},
                }
            )
        used[group] = used.get(group, 0) + count
    items.append(
        {
            "id": f"praise-{day}",
            "text": "Great service, thank you so much!",
            "created_at": START.isoformat(),
            "metadata": {"rating": 5},
        }
    )
    return items


def post(client: httpx.Client, items: list[dict]) -> None:
    for begin in range(0, len(items), 200):
        response = client.post("/v1/comments", json={"source": "web", "comments": items[begin : begin + 200]})
        assert response.status_code == 200, response.text


def refresh(client: httpx.Client) -> None:
    job = client.post("/v1/clusters/refresh")
    assert job.status_code == 202, job.text
    for _ in range(600):
        state = client.get(f"/v1/jobs/{job.json()['id']}").json()
        if state["status"] != "running":
            assert state["status"] == "done", state
            return
        time.sleep(0.2)
    raise AssertionError("the refresh did not finish")


def group_of(client: httpx.Client, cluster: dict) -> set[str]:
    page = client.get("/v1/comments", params={"cluster": cluster["id"], "limit": 500}).json()
    assert len(page["comments"]) == cluster["size"]
    return {c["id"].split("-")[0] for c in page["comments"]}


def test_clusters_through_the_api(fresh_server: str) -> None:
    with httpx.Client(base_url=fresh_server, timeout=300) as client:
        used: dict[str, int] = {}
        for day in range(6):
            post(
                client,
                day_of_comments(day, {"refund": 25 if day == 5 else 4, "login": 6, "delivery": 6}, used),
            )
        refresh(client)

        listed = client.get("/v1/clusters").json()
        assert len(listed) == 3
        assert [c["pain"] for c in listed] == sorted((c["pain"] for c in listed), reverse=True)
        by_group = {}
        for cluster in listed:
            (group,) = group_of(client, cluster)  # one group per cluster; praise is outside
            by_group[group] = cluster
        assert set(by_group) == {"refund", "login", "delivery"}
        refund = by_group["refund"]
        for cluster in listed:  # filtered by the stage most of its comments are in
            stage = max(cluster["stages"], key=cluster["stages"].get)
            assert cluster["id"] in {
                c["id"] for c in client.get("/v1/clusters", params={"stage": stage}).json()
            }
        assert client.get("/v1/clusters", params={"stage": "moon"}).json() == []
        exported = client.get("/v1/export/clusters.csv").text
        assert [int(r["id"]) for r in csv.DictReader(io.StringIO(exported))] == [c["id"] for c in listed]
        emerging = client.get("/v1/emerging").json()
        assert [c["id"] for c in emerging["clusters"]] == [refund["id"]]
        # per touchpoint too: the one most refund complaints name rises on the last day
        named_refund = [
            c["touchpoint"]
            for c in client.get("/v1/comments", params={"cluster": refund["id"], "limit": 500}).json()[
                "comments"
            ]
        ]
        top = max(set(named_refund), key=named_refund.count)
        assert top in {t["touchpoint"] for t in emerging["touchpoints"]}
        flagged = next(t for t in emerging["touchpoints"] if t["touchpoint"] == top)
        assert flagged["trend"][-1]["flagged"] and "expected" in flagged["reasons"][0]
        assert refund["reasons"] and "expected" in refund["reasons"][0]
        page = client.get("/ui/clusters", params={"emerging": "true"}).text  # the web UI shows why
        assert page.count('class="cluster-link"') == 1 and 'class="badge emerging"' in page
        assert 'class="reason">' + refund["reasons"][0].split(":")[0] in page
        assert "trend-bar flagged" in client.get(f"/ui/clusters/{refund['id']}").text

        detail = client.get(f"/v1/clusters/{refund['id']}").json()
        assert len(detail["representatives"]) == 3 and "refund" in " ".join(detail["keywords"])
        assert [p["count"] for p in detail["trend"]] == [4, 4, 4, 4, 4, 25]
        assert [p["flagged"] for p in detail["trend"]] == [False] * 5 + [True]

        named = client.patch(f"/v1/clusters/{refund['id']}", json={"name": "Refunds late", "status": "known"})
        assert named.status_code == 200 and named.json()["name"] == "Refunds late"
        bad = client.patch(f"/v1/clusters/{refund['id']}", json={"status": "done"})
        assert bad.status_code == 422
        unknown = client.patch(f"/v1/clusters/{refund['id']}", json={"linked_touchpoint": "teleport"})
        assert unknown.status_code == 422 and "not in the default taxonomy" in unknown.json()["detail"]
        assert client.get("/v1/clusters/999999").status_code == 404

        # Moments of truth: the touchpoint named by the refund complaints costs the most stars
        ranked = client.get("/v1/moments").json()
        assert ranked["rated"] == ranked["comments"] == 6 * 16 + 21 + 6
        refund_page = client.get("/v1/comments", params={"cluster": refund["id"], "limit": 500}).json()
        named = [c["touchpoints"][0]["touchpoint"] for c in refund_page["comments"] if c["touchpoints"]]
        assert ranked["moments"][0]["touchpoint"] == max(set(named), key=named.count)
        assert ranked["moments"][0]["rating_drop"] > 1.5

        # A comment arriving between refreshes joins its cluster at ingest
        post(
            client,
            [
                {
                    "id": "late-refund",
                    "text": "Terrible. My refund was never paid out",
                    "created_at": START.isoformat(),
                }
            ],
        )
        stored = client.get("/v1/comments", params={"cluster": refund["id"], "limit": 500}).json()["comments"]
        assert "late-refund" in {c["id"] for c in stored}

        # An unnamed pain point becomes a touchpoint: a shipped pack is extended under a new name
        login = by_group["login"]
        promote = {
            "id": "sign_in_trouble",
            "name": "Sign-in trouble",
            "stage": "usage",
            "taxonomy": "ecommerce",
        }
        refused = client.post(f"/v1/clusters/{login['id']}/touchpoint", json=promote)
        assert refused.status_code == 422 and "cannot be replaced" in refused.json()["detail"]
        bad_stage = client.post(
            f"/v1/clusters/{login['id']}/touchpoint", json={**promote, "stage": "orbit", "save_as": "shop"}
        )
        assert bad_stage.status_code == 422
        made = client.post(f"/v1/clusters/{login['id']}/touchpoint", json={**promote, "save_as": "shop"})
        assert made.status_code == 200, made.text
        assert made.json()["linked_touchpoint"] == "sign_in_trouble" and made.json()["status"] == "known"
        linked = client.get("/v1/clusters", params={"touchpoint": "sign_in_trouble"}).json()
        assert [c["id"] for c in linked] == [login["id"]]  # the analyst's link counts as its touchpoint
        again_made = client.post(
            f"/v1/clusters/{login['id']}/touchpoint", json={**promote, "taxonomy": "shop", "save_as": "shop"}
        )
        assert again_made.status_code == 409
        analysed = client.post(
            "/v1/analyze",
            json={
                "taxonomy": "shop",
                "comments": [{"text": f"Terrible. {comments('login', 1, start=77)[0]}"}],
            },
        ).json()
        # the pack already had account_and_login; the new touchpoint is now named beside it
        assert "sign_in_trouble" in {t["label"] for t in analysed["results"][0]["touchpoints"]}
        shop = client.get("/v1/taxonomies/shop").text
        assert "sign_in_trouble" in shop and "Terrible." in shop  # its examples are the cluster's comments

        # A day later: the same complaints again; the refresh keeps every id and the analyst's name
        post(client, day_of_comments(6, {"refund": 4, "login": 6, "delivery": 6}, used))
        refresh(client)
        again = {c["id"]: c for c in client.get("/v1/clusters").json()}
        assert set(again) == {c["id"] for c in by_group.values()}
        assert again[refund["id"]]["name"] == "Refunds late" and again[refund["id"]]["status"] == "known"
        assert group_of(client, again[refund["id"]]) == {"refund", "late"}

        # The analyst merges delivery into refunds: one pain point shown, and it survives a refresh
        delivery = by_group["delivery"]
        merged = client.post(f"/v1/clusters/{delivery['id']}/merge", json={"into": refund["id"]})
        assert merged.status_code == 200, merged.text
        assert merged.json()["merged"] == [delivery["id"]]
        assert merged.json()["size"] == again[refund["id"]]["size"] + again[delivery["id"]]["size"]
        assert (
            client.post(f"/v1/clusters/{refund['id']}/merge", json={"into": delivery["id"]}).status_code
            == 422
        )
        refresh(client)
        shown = {c["id"]: c for c in client.get("/v1/clusters").json()}
        assert set(shown) == {refund["id"], login["id"]} and shown[refund["id"]]["merged"] == [delivery["id"]]
        assert group_of(client, shown[refund["id"]]) == {"refund", "late", "delivery"}
        detail = client.get(f"/v1/clusters/{refund['id']}").json()
        assert sum(p["count"] for p in detail["trend"]) == shown[refund["id"]]["size"]  # both trends, summed


def test_clusters_refresh_on_a_schedule(tmp_path) -> None:
    settings = Settings(
        auth=False, database_url=f"sqlite:///{tmp_path / 'mot.db'}", cluster_refresh_minutes=0.02
    )
    with local_server(settings) as base, httpx.Client(base_url=base, timeout=300) as client:
        post(client, day_of_comments(0, {"refund": 20, "login": 20}, {}))
        for _ in range(300):
            done = [
                j for j in client.get("/v1/jobs").json() if j["kind"] == "clusters" and j["status"] == "done"
            ]
            if done and client.get("/v1/clusters").json():
                break
            time.sleep(0.2)
        assert {len(c["keywords"]) > 0 for c in client.get("/v1/clusters").json()} == {True}
        assert len(client.get("/v1/clusters").json()) == 2


def test_mot_cluster_refreshes_a_store_without_a_server(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'mot.db'}"
    with (
        local_server(Settings(auth=False, database_url=url)) as base,
        httpx.Client(base_url=base, timeout=300) as client,
    ):
        post(client, day_of_comments(0, {"refund": 20, "login": 20}, {}))
        assert client.get("/v1/clusters").json() == []
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "cluster", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"scope": "negative", "clusters": 2}
    with (
        local_server(Settings(auth=False, database_url=url)) as base,
        httpx.Client(base_url=base, timeout=300) as client,
    ):
        assert sorted(c["size"] for c in client.get("/v1/clusters").json()) == [20, 20]
