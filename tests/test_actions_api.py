"""Owners, actions and notes over real HTTP on SQLite and PostgreSQL, and the action test of
the analyst-insights issue: on a stream built so that the baggage complaints' negative share
falls after a known day while the delays' stays as it was, an action on each is measured, and
the effect is found on baggage and not on delays."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.local_server import local_server
from tests.helpers import api_client, refresh, server_settings

FIX_DAY = datetime(2031, 5, 1, tzinfo=UTC)  # the baggage fix; the stream runs 14 days either side
DAYS = 14
BAG_BAD = [
    "They lost my bag on flight {n}, still no news",
    "My suitcase never arrived after flight {n}",
    "Baggage claim took two hours after flight {n} and my bag was damaged",
]
BAG_GOOD = [
    "Thank you so much for finding my bag on flight {n}, you are amazing!",
    "Thanks for getting my bag back so fast after flight {n}, great team",
]
DELAY_BAD = ["Flight {n} delayed three hours again", "Another delay on flight {n}, missed my meeting"]
DELAY_GOOD = [
    "Thanks for the on-time flight {n}, great crew!",
    "Love that flight {n} was on time, thank you!",
]


def _stream() -> list[dict]:
    """Per day six baggage and six delay comments; baggage is 5 in 6 negative before the fix
    and 1 in 6 after; delays are half negative throughout."""
    rng = random.Random(7)
    items = []
    for day in range(-DAYS, DAYS):
        when = FIX_DAY + timedelta(days=day, hours=9)
        bad_bags = 5 if day < 0 else 1
        for k in range(6):
            n = rng.randint(100, 999)
            bag = rng.choice(BAG_BAD if k < bad_bags else BAG_GOOD).format(n=n)
            delay = rng.choice(DELAY_BAD if k < 3 else DELAY_GOOD).format(n=n)
            for text in (bag, delay):
                items.append(
                    {
                        "id": uuid.uuid4().hex,
                        "text": text,
                        "created_at": (when + timedelta(minutes=7 * k)).isoformat(),
                    }
                )
    return items


@pytest.fixture(scope="module")
def url(own_database_url: str) -> Iterator[str]:
    settings = server_settings(auth=False, database_url=own_database_url, cluster_min_size=5)
    with local_server(settings) as url, api_client(url) as client:
        items = _stream()
        for begin in range(0, len(items), 200):
            stored = client.post(
                "/v1/comments", json={"taxonomy": "airline", "comments": items[begin : begin + 200]}
            )
            assert stored.status_code == 200, stored.text
        yield url


@pytest.fixture
def client(url: str) -> Iterator[httpx.Client]:
    with api_client(url) as c:
        yield c


def _shares(client: httpx.Client, touchpoint: str) -> tuple[float, float]:
    """The stored negative share of a touchpoint before and after the fix day, as classified."""
    shares = []
    for since, until in (
        (FIX_DAY - timedelta(days=DAYS), FIX_DAY),
        (FIX_DAY, FIX_DAY + timedelta(days=DAYS)),
    ):
        journey = client.get(
            "/v1/journey",
            params={"taxonomy": "airline", "since": since.isoformat(), "until": until.isoformat()},
        ).json()
        (found,) = [t for s in journey["stages"] for t in s["touchpoints"] if t["touchpoint"] == touchpoint]
        shares.append(found["negative_share"])
    return shares[0], shares[1]


def test_the_effect_is_found_where_it_happened_and_not_where_it_did_not(client: httpx.Client) -> None:
    bags_before, bags_after = _shares(client, "baggage")
    delays_before, delays_after = _shares(client, "delays")
    assert bags_before - bags_after > 0.4 and abs(delays_before - delays_after) < 0.15  # the stream as built

    ids = {}
    for touchpoint in ("baggage", "delays"):
        made = client.post(
            "/v1/actions",
            json={
                "kind": "touchpoint",
                "subject": touchpoint,
                "taxonomy": "airline",
                "what": f"A fix for {touchpoint}",
                "done_by": "Operations",
                "started_at": FIX_DAY.isoformat(),
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["effect"] is None and made.json()["recorded_by"].startswith("anyone")
        ids[touchpoint] = made.json()["id"]

    bags = client.get(f"/v1/actions/{ids['baggage']}").json()
    share = {m["metric"]: m for m in bags["effect"]["metrics"]}["negative_share"]
    assert bags["effect"]["periods_before"] == DAYS and bags["effect"]["periods_after"] == DAYS
    assert share["verdict"] == "improved", share
    assert (
        share["ci_high"] < 0 and share["ci_low"] <= 100 * (bags_after - bags_before) <= share["ci_high"] + 10
    )
    assert "distinguishable from noise" in share["summary"]

    delays = client.get(f"/v1/actions/{ids['delays']}").json()
    share = {m["metric"]: m for m in delays["effect"]["metrics"]}["negative_share"]
    assert share["verdict"] == "no detectable change", share
    assert share["ci_low"] < 0 < share["ci_high"]

    listed = client.get(
        "/v1/actions", params={"kind": "touchpoint", "subject": "baggage", "taxonomy": "airline"}
    )
    assert [a["id"] for a in listed.json()] == [ids["baggage"]]
    nothing = client.get("/v1/actions", params={"kind": "touchpoint", "subject": "teleport"})
    assert nothing.status_code == 200 and nothing.json() == []  # a filter, not a lookup


def test_owners_notes_and_what_is_refused(client: httpx.Client) -> None:
    owner = {"team": "Baggage services", "contact": "bags@example.com"}
    assert client.get("/v1/touchpoints/airline/baggage/owner").status_code == 404  # none yet
    put = client.put("/v1/touchpoints/airline/baggage/owner", json=owner)
    assert put.status_code == 200 and put.json()["team"] == "Baggage services"
    changed = client.put("/v1/touchpoints/airline/baggage/owner", json={**owner, "team": "Ground ops"})
    assert changed.json()["team"] == "Ground ops"
    assert client.get("/v1/touchpoints/airline/baggage/owner").json()["team"] == "Ground ops"
    assert [o["subject"] for o in client.get("/v1/owners").json()] == ["baggage"]

    unknown = client.put("/v1/touchpoints/airline/teleport/owner", json=owner)
    assert unknown.status_code == 404 and "use one of" in unknown.json()["detail"]
    assert client.put("/v1/touchpoints/nope/baggage/owner", json=owner).status_code == 404
    assert client.put("/v1/touchpoints/airline/baggage/owner", json={"team": ""}).status_code == 422
    bad = client.post(
        "/v1/actions",
        json={"kind": "touchpoint", "subject": "teleport", "taxonomy": "airline", "what": "x", "done_by": "y",
              "started_at": FIX_DAY.isoformat()},
    )  # fmt: skip
    assert bad.status_code == 422 and "teleport" in bad.json()["detail"]

    refresh(client)
    cluster = client.get("/v1/clusters").json()[0]["id"]
    assert client.put(f"/v1/clusters/{cluster}/owner", json=owner).status_code == 200
    first = client.post(f"/v1/clusters/{cluster}/notes", json={"text": "Seen at LHR mostly"})
    second = client.post(f"/v1/clusters/{cluster}/notes", json={"text": "Vendor confirmed the scanner fault"})
    assert first.status_code == second.status_code == 201
    history = client.get(f"/v1/clusters/{cluster}/notes").json()
    assert [n["text"] for n in history] == ["Vendor confirmed the scanner fault", "Seen at LHR mostly"]
    assert client.post("/v1/clusters/999999/notes", json={"text": "x"}).status_code == 404
    assert client.post(f"/v1/clusters/{cluster}/notes", json={"text": ""}).status_code == 422
    action = client.post(
        "/v1/actions",
        json={"kind": "cluster", "subject": str(cluster), "what": "Scanner replaced", "done_by": "Vendor",
              "started_at": FIX_DAY.isoformat()},
    )  # fmt: skip
    assert action.status_code == 201, action.text
    measured = client.get(f"/v1/actions/{action.json()['id']}").json()["effect"]["metrics"]
    assert {m["metric"] for m in measured} >= {"negative_share", "volume"}
    assert client.get("/v1/actions/999999").status_code == 404
