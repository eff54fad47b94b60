"""Analysts' corrections over HTTP on both databases, exported as a file `mot train` reads."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import httpx

from models.taxonomy import builtin_packs
from training.labelled import fit_taxonomy, load_labelled

TEXTS = [
    ("My flight was cancelled and nobody told me", "cancellations", "negative"),
    ("Cancelled again, third time this month", "cancellations", "negative"),
    ('=HYPERLINK("http://evil") the seat was broken', "in_flight_experience", "negative"),
    ("Legroom in the new cabin is great", "in_flight_experience", "positive"),
]


def test_correct_then_export_for_training(client: httpx.Client, tmp_path: Path) -> None:
    source = f"corr-{uuid.uuid4().hex[:6]}"
    comments = [{"id": f"c{i}", "source": source, "text": t} for i, (t, _, _) in enumerate(TEXTS)]
    created = client.post("/v1/comments", json={"taxonomy": "airline", "comments": comments}).json()
    ids = [item["comment_id"] for item in created["items"]]
    assert all(ids)
    airline = builtin_packs()["airline"]
    for comment_id, (_, touchpoint, sentiment) in zip(ids, TEXTS):
        assert touchpoint in {tp.id for tp in airline.touchpoints}
        response = client.post(f"/v1/comments/{comment_id}/corrections", json={"touchpoint": touchpoint})
        assert response.status_code == 201, response.text
        assert response.json()["stage"] == airline.touchpoint(touchpoint).stage  # implied by the touchpoint
        response = client.post(f"/v1/comments/{comment_id}/corrections", json={"sentiment": sentiment})
        assert response.status_code == 201

    bad = client.post(f"/v1/comments/{ids[0]}/corrections", json={"touchpoint": "teleporter"})
    assert bad.status_code == 422 and "not in taxonomy 'airline'" in bad.json()["detail"]
    assert client.post(f"/v1/comments/{ids[0]}/corrections", json={}).status_code == 422
    assert client.post(f"/v1/comments/{ids[0]}/corrections", json={"sentiment": "meh"}).status_code == 422
    assert (
        client.post("/v1/comments/999999999/corrections", json={"sentiment": "negative"}).status_code == 404
    )

    exported = client.get("/v1/corrections/export", params={"taxonomy": "airline"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = [r for r in csv.DictReader(io.StringIO(exported.text)) if r["source"] == source]
    assert [(r["touchpoint"], r["sentiment"]) for r in rows] == [(tp, s) for _, tp, s in TEXTS]
    assert rows[2]["text"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it

    path = tmp_path / "corrections.csv"
    path.write_text(exported.text, encoding="utf-8")
    labelled = load_labelled(
        path,
        text_col="text",
        touchpoint_col="touchpoint",
        sentiment_col="sentiment",
        min_examples=1,
    )
    mine = [i for i, t in enumerate(labelled.texts) if t in {text for text, _, _ in TEXTS}]
    assert labelled.texts[mine[2]].startswith("=HYPERLINK")  # the guard is undone for training
    assert [labelled.touchpoints[i] for i in mine] == [tp for _, tp, _ in TEXTS]
    fitted = fit_taxonomy(labelled, airline, "airline")  # every label is airline's own: none is new
    assert fitted.name == "airline"
    assert [tp.id for tp in fitted.touchpoints] == [tp.id for tp in airline.touchpoints]

    lines = client.get("/v1/corrections/export", params={"format": "jsonl"}).text.splitlines()
    records = [json.loads(line) for line in lines if json.loads(line)["source"] == source]
    assert records[2]["text"] == TEXTS[2][0]  # JSONL is exact
