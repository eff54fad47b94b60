"""What the web UI added to the JSON API and the store, on SQLite and PostgreSQL: word search,
more like this, the journey map against the period before, CSV exports (formula-safe), the CSV
upload job with its errors, and the pages themselves rendered over HTTP with hostile text."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.jobs.upload import Columns, UploadError, parse_upload
from tests.helpers import wait_for_job
from tests.ui_data import XSS_TEXT

DAY = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


def store(client: httpx.Client, source: str, texts: list[str], when: datetime = DAY) -> list[int]:
    items = [
        {
            "id": uuid.uuid4().hex,
            "text": t,
            "source": source,
            "created_at": (when + timedelta(minutes=i)).isoformat(),
        }
        for i, t in enumerate(texts)
    ]
    response = client.post("/v1/comments", json={"taxonomy": "airline", "comments": items})
    assert response.status_code == 200, response.text
    return [item["comment_id"] for item in response.json()["items"]]


def test_word_search_and_more_like_this(client: httpx.Client) -> None:
    source = f"search-{uuid.uuid4().hex[:6]}"
    ids = store(
        client,
        source,
        [
            "The airline lost my suitcase on the way to Denver",
            "They lost my suitcase on my way to Denver",
            "Seats were comfortable and the crew was kind",
            "Refund of 100% promised, never paid",
            "Gate agent was rude about my Suitcase",
        ],
    )

    def found(q: str) -> set[int]:
        page = client.get("/v1/comments", params={"source": source, "q": q}).json()
        return {c["comment_id"] for c in page["comments"]}

    assert found("suitcase") == {ids[0], ids[1], ids[4]}  # any case
    assert found("SUITCASE denver") == {ids[0], ids[1]}  # every word
    assert found('"on my way"') == {ids[1]}  # a phrase
    assert found("100%") == {ids[3]} and found("_") == set()  # LIKE wildcards are plain characters
    assert found("  ") == set(ids)  # blank: no search

    near = client.get(f"/v1/comments/{ids[0]}/similar", params={"limit": 3}).json()
    assert near[0]["comment"]["comment_id"] == ids[1] and near[0]["similarity"] > 0.8
    assert ids[0] not in {n["comment"]["comment_id"] for n in near}
    assert [n["similarity"] for n in near] == sorted((n["similarity"] for n in near), reverse=True)
    assert client.get("/v1/comments/999999999/similar").status_code == 404


def test_journey_against_the_period_before(client: httpx.Client) -> None:
    source = f"journey-{uuid.uuid4().hex[:6]}"
    store(client, source, ["My flight was cancelled", "Cancelled again"], DAY - timedelta(days=5))
    store(client, source, ["Flight cancelled", "They cancelled my flight", "Lost bag", "Nice crew"], DAY)
    params = {
        "taxonomy": "airline",
        "source": source,
        "since": (DAY - timedelta(days=3)).isoformat(),
        "until": (DAY + timedelta(days=3)).isoformat(),
    }
    plain = client.get("/v1/journey", params=params).json()
    assert plain["total"] == 4 and plain["previous_total"] is None and plain["stages"][0]["previous"] is None
    compared = client.get("/v1/journey", params={**params, "compare": True}).json()
    assert compared["total"] == 4 and compared["previous_total"] == 2
    assert compared["previous_until"].startswith((DAY - timedelta(days=3)).date().isoformat())
    assert sum(s["previous"]["count"] for s in compared["stages"]) == 2
    earlier = client.get("/v1/comments", params={"source": source, "until": params["since"]}).json()[
        "comments"
    ]  # the period before holds exactly the two older comments
    named = {}
    for comment in earlier:
        for mention in comment["touchpoints"]:
            named[mention["touchpoint"]] = named.get(mention["touchpoint"], 0) + 1
    previous = {t["touchpoint"]: t["previous"]["count"] for s in compared["stages"] for t in s["touchpoints"]}
    assert named and all(previous[tp] == n for tp, n in named.items())
    refused = client.get("/v1/journey", params={"compare": True})
    assert refused.status_code == 422 and "since and until" in refused.json()["detail"]

    exported = client.get("/v1/export/journey.csv", params={**params, "compare": True})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert exported.headers["content-type"].startswith("text/csv")
    assert {r["touchpoint"]: int(r["previous_count"]) for r in rows} == previous


def test_comment_export_defuses_formulas(client: httpx.Client) -> None:
    source = f"export-{uuid.uuid4().hex[:6]}"
    ids = store(client, source, [XSS_TEXT, "@united +1 for the crew", "plain words"])
    exported = client.get("/v1/export/comments.csv", params={"source": source})
    assert exported.status_code == 200
    assert 'filename="comments.csv"' in exported.headers["content-disposition"]
    rows = {int(r["comment_id"]): r for r in csv.DictReader(io.StringIO(exported.text))}
    assert set(rows) == set(ids)
    assert rows[ids[0]]["text"] == "'" + XSS_TEXT  # a spreadsheet shows it, never runs it
    assert rows[ids[1]]["text"].startswith("'@")  # a handle (redacted or not) reads as a formula too
    assert rows[ids[2]]["text"] == "plain words"
    searched = client.get("/v1/export/comments.csv", params={"source": source, "q": "crew"})
    assert [r["comment_id"] for r in csv.DictReader(io.StringIO(searched.text))] == [str(ids[1])]
    clusters = client.get("/v1/export/clusters.csv")
    assert clusters.status_code == 200 and clusters.text.startswith("id,name,label,status")


UPLOAD = (
    "ref,body,when,channel,email_of_customer\n"
    "u1,My bag never arrived at the carousel,2/21/2015 10:15,survey,someone@example.com\n"
    'u2,"Flight cancelled, no hotel offered",2015-02-22T08:00:00,survey,x@example.com\n'
    "u3,,2/22/2015 09:00,survey,\n"
    "u4,Crew were lovely,not a time,survey,\n"
    "u5,Check-in queue took an hour,,kiosk,\n"
)


def test_upload_csv_in_the_background(client: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:6]
    body = UPLOAD.replace("survey", f"survey-{tag}").replace("kiosk", f"kiosk-{tag}")
    form = {
        "text_col": "body",
        "id_col": "ref",
        "time_col": "when",
        "source_col": "channel",
        "taxonomy": "airline",
    }
    started = client.post(
        "/v1/uploads", data=form, files={"file": ("feedback.csv", body.encode(), "text/csv")}
    )
    assert started.status_code == 202, started.text
    job = wait_for_job(client, started.json()["id"])
    assert job["status"] == "done" and job["kind"] == "upload" and job["progress"] == 1.0
    result = job["result"]
    assert (result["rows"], result["created"], result["duplicates"], result["invalid"]) == (5, 3, 0, 2)
    assert [e["row"] for e in result["errors"]] == [4, 5]
    assert (
        "text is empty" in result["errors"][0]["message"] and "not a time" in result["errors"][1]["message"]
    )
    assert result["sources"] == [f"kiosk-{tag}", f"survey-{tag}"]
    stored = client.get("/v1/comments", params={"source": f"survey-{tag}"}).json()["comments"]
    assert {c["id"] for c in stored} == {"u1", "u2"}
    assert {c["created_at"][:10] for c in stored} == {"2015-02-21", "2015-02-22"}
    assert "example.com" not in str(stored)  # columns not named are not kept

    again = wait_for_job(
        client,
        client.post(
            "/v1/uploads", data=form, files={"file": ("feedback.csv", body.encode(), "text/csv")}
        ).json()["id"],
    )
    assert (again["result"]["created"], again["result"]["duplicates"]) == (0, 3)


@pytest.mark.parametrize(
    ("content", "fields", "status", "message"),
    [
        (b"id,comment\n1,hello\n", {"text_col": "body"}, 422, "has no column 'body'"),
        ("text\ncaf\u00e9 was cold\n".encode("latin-1"), {"text_col": "text"}, 422, "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", {"text_col": "text"}, 422, "not a text file"),
        (b"text\n", {"text_col": "text"}, 422, "no comments"),
        (b"text\n" + b"a long comment\n" * 8000, {"text_col": "text"}, 413, "MOT_UPLOAD_MAX_BYTES"),
        (b"text\n" + b"a long comment\n" * 30000, {"text_col": "text"}, 413, "MOT_UPLOAD_MAX_BYTES"),
        (b"text\nfine\n", {"text_col": "text", "taxonomy": "atlantis"}, 422, "unknown taxonomy"),
    ],
)
def test_upload_refuses_a_bad_file_saying_what_to_fix(
    client: httpx.Client, content: bytes, fields: dict, status: int, message: str
) -> None:
    response = client.post("/v1/uploads", data=fields, files={"file": ("bad.csv", content, "text/csv")})
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]


def test_upload_from_another_site_is_refused(client: httpx.Client) -> None:
    files = {"file": ("x.csv", b"text\nhello\n", "text/csv")}
    foreign = client.post(
        "/v1/uploads", data={"text_col": "text"}, files=files, headers={"origin": "http://evil.example"}
    )
    assert foreign.status_code == 403
    own = client.post(
        "/v1/uploads", data={"text_col": "text"}, files=files, headers={"origin": str(client.base_url)}
    )
    assert own.status_code == 202


def test_upload_reads_semicolons_and_caps_rows() -> None:
    parsed = parse_upload(b"id;text\n1;hello there\n", "x.csv", Columns(text="text", id="id"), "upload", 10)
    assert parsed.items == [{"text": "hello there", "id": "1", "source": "upload"}]
    with pytest.raises(UploadError, match="MOT_UPLOAD_MAX_ROWS"):
        parse_upload(b"text\na\nb\nc\n", "x.csv", Columns(text="text"), "upload", 2)


def test_pages_render_every_stored_text_escaped(client: httpx.Client) -> None:
    """The server-rendered pages on both databases: their queries work, and hostile text is
    shown as text (the browser tests check the same in chromium, on SQLite)."""
    source = f"pages-{uuid.uuid4().hex[:6]}"
    (hostile,) = store(client, source, [XSS_TEXT])
    escaped = "&lt;script&gt;window.__xss=1&lt;/script&gt;"
    journey = client.get("/ui/", params={"taxonomy": "airline", "days": 7, "end": DAY.date().isoformat()})
    assert journey.status_code == 200 and "Customer journey map" in journey.text
    assert journey.headers["content-security-policy"].startswith("default-src 'self'")
    assert f'<option value="{source}"' in journey.text  # the sources filter
    listed = client.get("/ui/comments", params={"source": source})
    assert escaped in listed.text and "<script>window" not in listed.text
    assert "<strong>1</strong> comments match" in listed.text
    like = client.get("/ui/comments", params={"like": hostile})
    assert like.status_code == 200 and escaped in like.text
    # its touchpoint's page lists it too ("my bag was lost at the airport": baggage)
    touchpoints = client.get("/v1/comments", params={"source": source}).json()["comments"][0]["touchpoints"]
    assert touchpoints, "the hostile comment names no touchpoint: its touchpoint page goes untested"
    page = client.get(
        f"/ui/touchpoints/{touchpoints[0]['touchpoint']}", params={"taxonomy": "airline", "days": 0}
    )
    assert page.status_code == 200 and "<script>window" not in page.text
    assert escaped in page.text
    for path in ("/ui/clusters", "/ui/upload", "/ui/model"):
        assert client.get(path).status_code == 200, path
    assert client.get("/ui/clusters/999999").status_code == 404
    assert client.get("/ui/touchpoints/teleport").status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"
