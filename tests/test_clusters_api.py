"""Pain clusters through the API on SQLite and PostgreSQL: refresh on demand, list by pain,
detail, emerging, analyst's name and status kept across a refresh that adds a day of comments,
drill-down to the comments, and assignment of a new comment at ingest.

Most tests here follow one story on one server per backend (the `story` fixture: six days of
comments, clustered once). They run in file order, as an analyst would work: the ones that only
read come first; each later one changes the store a step further, and makes the earlier steps it
relies on again itself (idempotent: the same name, the same comment id), so it also runs alone."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from service.local_server import local_server
from tests.helpers import WAIT_S, api_client, comments, daily_complaints, mot, post, refresh, server_settings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STARS = {"refund": 1, "login": 4, "delivery": 3}  # by construction: refund complaints cost most
LATE_REFUND = {
    "id": "late-refund",
    "text": "Terrible. My refund was never paid out",
    "created_at": START.isoformat(),
}


def day_of_comments(day: int, per_group: dict[str, int], used: dict[str, int]) -> list[dict]:
    items = [
        {
            "id": c.id,
            "text": c.text,
            "created_at": c.created_at.isoformat(),
            "metadata": {"rating": STARS[c.group]},
        }
        for c in daily_complaints(START, day, per_group, used, minutes_apart=5)
    ]
    items.append(
        {
            "id": f"praise-{day}",
            "text": "Great service, thank you so much!",
            "created_at": START.isoformat(),
            "metadata": {"rating": 5},
        }
    )
    return items


def group_of(client: httpx.Client, cluster: dict) -> set[str]:
    page = client.get("/v1/comments", params={"cluster": cluster["id"], "limit": 500}).json()
    assert len(page["comments"]) == cluster["size"]
    return {c["id"].split("-")[0] for c in page["comments"]}


@dataclass
class Story:
    client: httpx.Client
    listed: list[dict]  # the clusters of the first refresh, as GET /v1/clusters listed them
    by_group: dict[str, dict]  # the same, by the group of comments each holds
    used: dict[str, int]  # complaints made so far per group, for the next day's

    @property
    def refund(self) -> dict:
        return self.by_group["refund"]


@pytest.fixture(scope="module")
def story(own_database_url: str) -> Iterator[Story]:
    """A server on an empty database of its own, six days of comments (refunds rising on the last)
    and one refresh: the clusters are known by construction."""
    settings = server_settings(auth=False, database_url=own_database_url, default_taxonomy="ecommerce")
    with local_server(settings) as base, api_client(base) as client:
        used: dict[str, int] = {}
        for day in range(6):
            post(
                client,
                day_of_comments(day, {"refund": 25 if day == 5 else 4, "login": 6, "delivery": 6}, used),
            )
        refresh(client)
        listed = client.get("/v1/clusters").json()
        by_group = {}
        for cluster in listed:
            (group,) = group_of(client, cluster)  # one group per cluster; praise is outside
            by_group[group] = cluster
        yield Story(client, listed, by_group, used)


def name_the_refunds(story: Story) -> httpx.Response:
    return story.client.patch(
        f"/v1/clusters/{story.refund['id']}", json={"name": "Refunds late", "status": "known"}
    )


def post_the_late_refund(story: Story) -> None:
    post(story.client, [LATE_REFUND])


def test_clusters_are_listed_by_pain_one_group_each(story: Story) -> None:
    client, listed = story.client, story.listed
    assert len(listed) == 3
    assert [c["pain"] for c in listed] == sorted((c["pain"] for c in listed), reverse=True)
    assert [group_of(client, c) for c in listed] == [{g} for g in story.by_group]
    assert set(story.by_group) == {"refund", "login", "delivery"}
    for cluster in listed:  # filtered by the stage most of its comments are in
        stage = max(cluster["stages"], key=cluster["stages"].get)
        assert cluster["id"] in {c["id"] for c in client.get("/v1/clusters", params={"stage": stage}).json()}
    assert client.get("/v1/clusters", params={"stage": "moon"}).json() == []
    exported = client.get("/v1/export/clusters.csv").text
    assert [int(r["id"]) for r in csv.DictReader(io.StringIO(exported))] == [c["id"] for c in listed]
    assert client.get("/v1/clusters/999999").status_code == 404


def test_emerging_names_the_rising_refunds_and_why(story: Story) -> None:
    client, refund = story.client, story.refund
    emerging = client.get("/v1/emerging").json()
    assert [c["id"] for c in emerging["clusters"]] == [refund["id"]]
    # per touchpoint too: the one most refund complaints name rises on the last day
    named_refund = [
        c["touchpoint"]
        for c in client.get("/v1/comments", params={"cluster": refund["id"], "limit": 500}).json()["comments"]
    ]
    top = max(set(named_refund), key=named_refund.count)
    assert top in {t["touchpoint"] for t in emerging["touchpoints"]}
    flagged = next(t for t in emerging["touchpoints"] if t["touchpoint"] == top)
    assert flagged["trend"][-1]["flagged"] and "expected" in flagged["reasons"][0]
    assert refund["reasons"] and "expected" in refund["reasons"][0]
    page = client.get("/ui/clusters", params={"emerging": "true"}).text  # the web UI shows why
    assert page.count('class="cluster-link"') == 1 and 'class="badge emerging"' in page
    # in words: "30 comments on Mar 9, about 3 expected (9.6× its usual share)"
    assert re.search(r'class="reason">\d+ comments on \w{3} \d+, about [\d.,]+ expected \(', page), page
    assert "trend-bar flagged" in client.get(f"/ui/clusters/{refund['id']}").text


def test_cluster_detail_has_its_words_and_its_trend(story: Story) -> None:
    detail = story.client.get(f"/v1/clusters/{story.refund['id']}").json()
    assert len(detail["representatives"]) == 3 and "refund" in " ".join(detail["keywords"])
    assert [p["count"] for p in detail["trend"]] == [4, 4, 4, 4, 4, 25]
    assert [p["flagged"] for p in detail["trend"]] == [False] * 5 + [True]


def test_the_analyst_names_a_cluster_and_bad_edits_are_refused(story: Story) -> None:
    client, refund = story.client, story.refund
    named = name_the_refunds(story)
    assert named.status_code == 200 and named.json()["name"] == "Refunds late"
    assert named.json()["status"] == "known"
    bad = client.patch(f"/v1/clusters/{refund['id']}", json={"status": "done"})
    assert bad.status_code == 422
    unknown = client.patch(f"/v1/clusters/{refund['id']}", json={"linked_touchpoint": "teleport"})
    assert unknown.status_code == 422 and "is in no taxonomy" in unknown.json()["detail"]


def test_moments_of_truth_rank_the_refund_touchpoint_first(story: Story) -> None:
    """Before any comment is added to the six days: the touchpoint named by the refund
    complaints costs the most stars."""
    client = story.client
    ranked = client.get("/v1/moments").json()
    assert ranked["rated"] == ranked["comments"] == 6 * 16 + 21 + 6
    refund_page = client.get("/v1/comments", params={"cluster": story.refund["id"], "limit": 500}).json()
    named = [c["touchpoints"][0]["touchpoint"] for c in refund_page["comments"] if c["touchpoints"]]
    assert ranked["moments"][0]["touchpoint"] == max(set(named), key=named.count)
    assert ranked["moments"][0]["rating_drop"] > 1.5


def test_a_comment_arriving_between_refreshes_joins_its_cluster_at_ingest(story: Story) -> None:
    post_the_late_refund(story)
    stored = story.client.get("/v1/comments", params={"cluster": story.refund["id"], "limit": 500}).json()
    assert "late-refund" in {c["id"] for c in stored["comments"]}


def test_an_unnamed_pain_point_becomes_a_touchpoint_of_a_saved_pack(story: Story) -> None:
    """A shipped pack is extended under a new name; the cluster links to the new touchpoint."""
    client, login = story.client, story.by_group["login"]
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


def test_a_refresh_a_day_later_keeps_every_id_and_the_analysts_name(story: Story) -> None:
    """A day later: the same complaints again; the refresh keeps every id and the analyst's name."""
    client, refund = story.client, story.refund
    assert name_the_refunds(story).status_code == 200  # as the analyst left it (done above)
    post_the_late_refund(story)  # a duplicate if it is there already
    post(client, day_of_comments(6, {"refund": 4, "login": 6, "delivery": 6}, story.used))
    refresh(client)
    again = {c["id"]: c for c in client.get("/v1/clusters").json()}
    assert set(again) == {c["id"] for c in story.by_group.values()}
    assert again[refund["id"]]["name"] == "Refunds late" and again[refund["id"]]["status"] == "known"
    assert group_of(client, again[refund["id"]]) == {"refund", "late"}


def test_a_merge_of_two_clusters_survives_a_refresh(story: Story) -> None:
    """The analyst merges delivery into refunds: one pain point shown, and it survives a refresh."""
    client, refund = story.client, story.refund
    delivery, login = story.by_group["delivery"], story.by_group["login"]
    post_the_late_refund(story)  # a duplicate if it is there already
    before = {c["id"]: c for c in client.get("/v1/clusters").json()}
    merged = client.post(f"/v1/clusters/{delivery['id']}/merge", json={"into": refund["id"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged"] == [delivery["id"]]
    assert merged.json()["size"] == before[refund["id"]]["size"] + before[delivery["id"]]["size"]
    assert client.post(f"/v1/clusters/{refund['id']}/merge", json={"into": delivery["id"]}).status_code == 422
    refresh(client)
    shown = {c["id"]: c for c in client.get("/v1/clusters").json()}
    assert set(shown) == {refund["id"], login["id"]} and shown[refund["id"]]["merged"] == [delivery["id"]]
    assert group_of(client, shown[refund["id"]]) == {"refund", "late", "delivery"}
    detail = client.get(f"/v1/clusters/{refund['id']}").json()
    assert sum(p["count"] for p in detail["trend"]) == shown[refund["id"]]["size"]  # both trends, summed


def test_clusters_refresh_on_a_schedule(tmp_path) -> None:
    settings = server_settings(
        auth=False, database_url=f"sqlite:///{tmp_path / 'mot.db'}", cluster_refresh_minutes=0.02
    )
    with local_server(settings) as base, api_client(base) as client:
        post(client, day_of_comments(0, {"refund": 20, "login": 20}, {}))
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
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
    with local_server(server_settings(auth=False, database_url=url)) as base, api_client(base) as client:
        post(client, day_of_comments(0, {"refund": 20, "login": 20}, {}))
        assert client.get("/v1/clusters").json() == []
    done = mot("cluster", "--database-url", url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"scope": "negative", "clusters": 2}
    with local_server(server_settings(auth=False, database_url=url)) as base, api_client(base) as client:
        assert sorted(c["size"] for c in client.get("/v1/clusters").json()) == [20, 20]
