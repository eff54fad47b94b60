"""What an analyst reads off the map and the clusters, on SQLite and PostgreSQL, over real HTTP:
the pages open on the taxonomy the stored comments use (not MOT_DEFAULT_TAXONOMY), a period
before the first comment is not compared, cards are coloured and ordered by impact with small
counts marked uncertain, resolved and ignored clusters come last, the clusters table shows each
cluster's share of the complaints and names touchpoints from the comments' taxonomy; a declared
metadata field is a segment: a filter of the map, the moments and the comments, and a comparison."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.local_server import local_server
from tests.helpers import api_client, comments, refresh, server_settings

LATEST = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)  # the data's last day; it starts 8 days before
FIRST = LATEST - timedelta(days=8)


def _items() -> list[dict]:
    """Lost bags every day, refunds on most, a handful of delays and of praise: the map has a
    large pain, small counts, and data that begins inside the week before the last one."""
    texts: list[tuple[str, datetime]] = []
    bags = [
        f"They lost my bag{' again' * (i % 3)} on flight {100 + i}, nobody at the desk helps"
        for i in range(27)
    ]
    for i, text in enumerate(bags):
        texts.append((text, FIRST + timedelta(days=i % 9, hours=i % 5)))
    for i, text in enumerate(comments("refund", 12)):
        texts.append((f"Terrible. {text}", FIRST + timedelta(days=1 + i % 8, minutes=7 * i)))
    for i in range(3):
        texts.append(
            (f"Flight {200 + i} delayed two hours, missed my connection", LATEST - timedelta(hours=i))
        )
    for i in range(4):
        texts.append((f"Lovely crew on flight {300 + i}, thank you!", LATEST - timedelta(days=i)))
    for i in range(8):  # enough praise of two things for clusters of their own
        crew = f"Thank you, the cabin crew on flight {400 + i} were wonderful"
        app = f"Love the new app, booking flight {500 + i} took a minute, thanks!"
        texts += [(crew, LATEST - timedelta(days=i % 6)), (app, LATEST - timedelta(days=i % 5))]
    return [
        {
            "id": uuid.uuid4().hex,
            "text": text,
            "source": "web",
            "created_at": when.isoformat(),
            "metadata": {"airline": "United" if "bag" in text else "Delta"},  # a declared segment
        }
        for text, when in texts
    ]


@pytest.fixture(scope="module")
def url(own_database_url: str) -> Iterator[str]:
    settings = server_settings(
        auth=False,
        database_url=own_database_url,
        default_taxonomy="generic",
        cluster_min_size=5,
        segment_fields=["airline"],
    )
    with local_server(settings) as url, api_client(url) as client:
        stored = client.post("/v1/comments", json={"taxonomy": "airline", "comments": _items()})
        assert stored.status_code == 200, stored.text
        refresh(client)
        yield url


@pytest.fixture
def client(url: str) -> Iterator[httpx.Client]:
    with api_client(url) as c:
        yield c


def _cells(html: str) -> list[dict[str, str]]:
    """Each journey card's classes, touchpoint and negative mentions, in page order, with its stage."""
    cells = []
    for stage_html in html.split('<section class="stage"')[1:]:
        stage = re.search(r'id="stage-([^"]+)"', stage_html)[1]  # type: ignore[index]
        for found in re.finditer(
            r'<a class="cell ([^"]*)" href="[^"]*" data-touchpoint="([^"]+)" data-negatives="(\d+)"',
            stage_html,
        ):
            cells.append({"stage": stage, "classes": found[1], "touchpoint": found[2], "negatives": found[3]})
    return cells


def test_the_map_opens_on_the_stored_taxonomy_and_does_not_compare_a_partial_week(
    client: httpx.Client,
) -> None:
    html = client.get("/ui/").text
    assert '<option value="airline" selected>' in html  # MOT_DEFAULT_TAXONOMY is generic
    assert 'data-touchpoint="baggage"' in html
    # the week before the last one starts before the first comment: said, and no change coloured
    assert "no comparison with the 7 days before: the comments start on Mar 4, 2026" in html
    journey = html.split('<div class="journey"', 1)[1]
    assert 'class="change up"' not in journey and 'class="change down"' not in journey

    api = client.get(
        "/v1/journey",
        params={
            "taxonomy": "airline",
            "since": (LATEST - timedelta(days=3)).date().isoformat(),
            "until": (LATEST + timedelta(days=1)).date().isoformat(),
            "compare": True,
        },
    ).json()
    assert api["previous_complete"] is True  # three days before three days: all inside the data
    partial = client.get(
        "/v1/journey",
        params={"taxonomy": "airline", "since": "2026-03-06", "until": "2026-03-13", "compare": True},
    ).json()
    assert partial["previous_complete"] is False
    assert partial["first_comment_at"].startswith(FIRST.date().isoformat())
    # an explicit choice still wins
    assert '<option value="generic" selected>' in client.get("/ui/", params={"taxonomy": "generic"}).text


def test_cards_are_coloured_and_ordered_by_impact_and_small_counts_look_uncertain(
    client: httpx.Client,
) -> None:
    html = client.get("/ui/", params={"days": "0"}).text
    cells = _cells(html)
    assert cells
    for stage in {c["stage"] for c in cells}:
        negatives = [int(c["negatives"]) for c in cells if c["stage"] == stage]
        assert negatives == sorted(negatives, reverse=True), stage  # most negative mentions first
    peak = max(cells, key=lambda c: int(c["negatives"]))
    assert peak["touchpoint"] == "baggage" and "neg-9" in peak["classes"].split()
    stats = {
        t["touchpoint"]: t
        for s in client.get("/v1/journey", params={"taxonomy": "airline"}).json()["stages"]
        for t in s["touchpoints"]
    }
    for cell in cells:
        t = stats[cell["touchpoint"]]
        assert int(cell["negatives"]) == t["negatives"]
        if t["count"]:
            assert t["negative_low"] <= t["negative_share"] <= t["negative_high"]
            wide = t["negative_high"] - t["negative_low"] > 0.3
            assert ("uncertain" in cell["classes"].split()) == wide, cell
    assert stats["baggage"]["count"] >= 20 and "uncertain" not in peak["classes"]
    assert any("uncertain" in c["classes"].split() for c in cells)  # the few delays, the few praises


def test_set_aside_clusters_come_last_and_rows_read_in_the_comments_taxonomy(client: httpx.Client) -> None:
    ranked = client.get("/v1/clusters").json()
    assert len(ranked) >= 2, ranked
    top = ranked[0]
    assert client.patch(f"/v1/clusters/{top['id']}", json={"status": "ignored"}).status_code == 200
    try:
        again = client.get("/v1/clusters").json()
        assert again[-1]["id"] == top["id"] and again[0]["id"] != top["id"]
        page = client.get("/ui/clusters").text
        assert page.index(f'href="/ui/clusters/{top["id"]}"') > page.index(
            f'href="/ui/clusters/{again[0]["id"]}"'
        )
    finally:
        client.patch(f"/v1/clusters/{top['id']}", json={"status": "new"})

    page = client.get("/ui/clusters").text
    assert "Share of complaints" in page and ">100%<" not in page  # every clustered comment is negative
    names = {
        t["touchpoint"]: t["name"]
        for s in client.get("/v1/journey", params={"taxonomy": "airline"}).json()["stages"]
        for t in s["touchpoints"]
    }
    assert '<option value="baggage"' in page  # the airline touchpoints to filter by
    rows = {
        int(found[1]): row
        for row in page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]
        if (found := re.search(r'class="cluster-link" href="/ui/clusters/(\d+)"', row))
    }
    clusters = client.get("/v1/clusters").json()
    assert set(rows) == {c["id"] for c in clusters}
    for cluster in clusters:
        linked = cluster["linked_touchpoint"] or cluster["touchpoint"]
        if linked != "new":
            assert f"<td>{names[linked]}</td>" in rows[cluster["id"]], (linked, rows[cluster["id"]])


def test_a_declared_field_is_a_segment_to_filter_and_compare(client: httpx.Client) -> None:
    options = client.get("/v1/segments").json()
    assert {(o["field"], o["value"]) for o in options} == {("airline", "United"), ("airline", "Delta")}
    counts = {o["value"]: o["count"] for o in options}
    united = client.get("/v1/journey", params={"taxonomy": "airline", "segment": "airline:United"}).json()
    everyone = client.get("/v1/journey", params={"taxonomy": "airline"}).json()
    assert united["total"] == counts["United"] < everyone["total"]
    listed = client.get("/v1/comments", params={"segment": "airline:Delta", "limit": 500}).json()["comments"]
    assert len(listed) == counts["Delta"] and all("bag" not in c["text"] for c in listed)
    moments = client.get("/v1/moments", params={"taxonomy": "airline", "segment": "airline:United"}).json()
    assert moments["comments"] == counts["United"]
    for refused in ("tier:gold", "airline", "airline:"):
        answer = client.get("/v1/journey", params={"taxonomy": "airline", "segment": refused})
        assert answer.status_code == 422, refused
    assert (
        "MOT_SEGMENT_FIELDS" in client.get("/v1/comments", params={"segment": "tier:gold"}).json()["detail"]
    )

    table = client.get("/v1/segments/airline/compare", params={"taxonomy": "airline"}).json()
    assert [c["value"] for c in table["columns"]] == sorted(counts, key=lambda v: -counts[v])
    bags = next(r for r in table["rows"] if r["touchpoint"] == "baggage")
    column = [c["value"] for c in table["columns"]].index("United")
    assert bags["counts"][column] >= 20 and bags["negative_shares"][column] > 0.5
    assert client.get("/v1/segments/tier/compare").status_code == 422

    page = client.get("/ui/segments", params={"field": "airline", "days": "0"}).text
    assert "Segments side by side" in page and ">United</a>" in page and ">Delta</a>" in page
    assert "Baggage" in page
    chosen = client.get("/ui/", params={"segment": "airline:United", "days": "0"}).text
    assert '<option value="airline:United" selected>' in chosen
    assert "Compare by airline" in chosen
    assert (
        '<option value="airline:United" selected>'
        in client.get("/ui/moments", params={"segment": "airline:United"}).text
    )
    assert (
        '<option value="airline:Delta" selected>'
        in client.get("/ui/comments", params={"segment": "airline:Delta"}).text
    )


def test_highlights_beside_the_pain(client: httpx.Client) -> None:
    found = client.get("/v1/highlights", params={"taxonomy": "airline"}).json()
    praised = {t["touchpoint"]: t for t in found["touchpoints"]}
    top = found["touchpoints"][0]
    assert sum(t["positives"] for t in found["touchpoints"]) >= 8, found["touchpoints"]  # the praise
    assert top["positive_low"] <= top["positive_share"] <= top["positive_high"]
    assert [t["positives"] for t in found["touchpoints"]] == sorted(
        (t["positives"] for t in found["touchpoints"]), reverse=True
    )
    assert "baggage" not in praised or praised["baggage"]["positives"] < top["positives"]
    assert found["clusters"], "the refresh found no cluster of praise"
    praise_ids = {c["id"] for c in found["clusters"]}
    assert all(c["negative_share"] == 0 for c in found["clusters"])
    assert "general dissatisfaction" not in {c["label"] for c in found["clusters"]}  # praise is not venting
    assert not praise_ids & {c["id"] for c in client.get("/v1/clusters").json()}  # not pain
    page = client.get("/ui/highlights", params={"days": "0"}).text
    assert "Touchpoints people praise" in page and f'data-touchpoint="{top["touchpoint"]}"' in page
    assert all(f'href="/ui/clusters/{i}"' in page for i in praise_ids)
    cell = (
        client.get("/ui/", params={"days": "0"})
        .text.split(f'data-touchpoint="{top["touchpoint"]}"', 1)[1]
        .split("</a>", 1)[0]
    )
    assert 'class="badge praised"' in cell
    assert client.get(f"/ui/clusters/{min(praise_ids)}").status_code == 200
