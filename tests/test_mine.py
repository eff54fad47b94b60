"""`mot mine` end to end on a file whose answer is known by construction: three complaints,
one of which surges on the last day; praise stays out of the negative scope."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from tests.helpers import daily_complaints, mot

START = datetime(2026, 3, 2, 9, 0)
STARS = {"refund": "1", "login": "4", "delivery": "3"}  # by construction: refund complaints cost most


def write_input(path: Path) -> Path:
    rows: list[tuple[str, ...]] = []
    used: dict[str, int] = {}
    for day in range(8):
        per_day = {"refund": 30 if day == 7 else 3, "login": 5, "delivery": 5}
        for c in daily_complaints(START, day, per_day, used, minutes_apart=7):
            rows.append((c.id, c.text, c.created_at.isoformat(), "web", STARS[c.group]))
        rows.append(
            (
                f"praise-{day}",
                "Great service, thank you so much, you are wonderful!",
                START.isoformat(),
                "web",
            )
        )
    rows.insert(5, ("blank", "  ", START.isoformat(), "web", ""))  # one empty text costs only itself
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ticket", "body", "created", "channel", "stars"])
        writer.writerows(rows)
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_mine_finds_the_surging_complaint_and_writes_every_file(tmp_path: Path) -> None:
    source = write_input(tmp_path / "tickets.csv")
    out = tmp_path / "mined"
    done = mot(
        "mine", str(source), "--out", str(out), "--text-col", "body", "--time-col", "created",
        "--id-col", "ticket", "--source-col", "channel", "--period", "day", "--taxonomy", "ecommerce",
        "--rating-col", "stars",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "analyze: 100%" in done.stderr
    assert f"skipped 1 of {len(read(source))} rows of tickets.csv whose 'body' is empty: row 7" in done.stderr

    mined = read(out / "comments.csv")
    assert list(mined[0]) == ["id", "stage", "touchpoint", "sentiment", "sentiment_score", "cluster_id"]
    assert len(mined) == len(read(source)) - 1 and "blank" not in {row["id"] for row in mined}
    cluster_of = {row["id"]: int(row["cluster_id"]) for row in mined}
    assert all(cluster_of[f"praise-{d}"] == -1 for d in range(8))  # positive: outside the negative scope
    refund = {cluster_of[i] for i in cluster_of if i.startswith("refund")}
    login = {cluster_of[i] for i in cluster_of if i.startswith("login")}
    assert len(refund - {-1}) == 1 and not (refund - {-1}) & login

    clusters = {int(row["cluster_id"]): row for row in read(out / "clusters.csv")}
    assert set(next(iter(clusters.values()))) >= {
        "cluster_id", "label", "keywords", "size", "negative_share", "touchpoint", "emerging",
    }  # fmt: skip
    (refund_id,) = refund - {-1}
    assert clusters[refund_id]["emerging"] == "True"
    assert [c for c, row in clusters.items() if row["emerging"] == "True"] == [refund_id]
    assert "refund" in clusters[refund_id]["keywords"]

    trends = read(out / "trends.csv")
    assert list(trends[0]) == [
        "period",
        "cluster_id",
        "count",
        "share",
        "baseline",
        "score",
        "flagged",
        "reason",
    ]
    flagged = [t for t in trends if t["flagged"] == "True"]
    assert [(t["period"], int(t["cluster_id"])) for t in flagged] == [("2026-03-09", refund_id)]
    assert int(flagged[0]["count"]) == 30 and "expected" in flagged[0]["reason"]
    # Moments of truth: the touchpoint the model gave most refund complaints costs the most stars
    moments = read(out / "moments.csv")
    assert list(moments[0])[:5] == ["rank", "touchpoint", "comments", "negative_share", "rating_drop"]
    touchpoint_of = {row["id"]: row["touchpoint"] for row in mined}
    refund_touchpoints = [touchpoint_of[i] for i in touchpoint_of if i.startswith("refund")]
    assert moments[0]["touchpoint"] == max(set(refund_touchpoints), key=refund_touchpoints.count)
    assert float(moments[0]["rating_drop"]) > 1.5
    # The same test per touchpoint: the one most refund complaints got rises on the last day
    top_refund = max(set(refund_touchpoints), key=refund_touchpoints.count)
    by_touchpoint = read(out / "touchpoint_trends.csv")
    assert list(by_touchpoint[0]) == [
        "period",
        "touchpoint",
        "count",
        "share",
        "baseline",
        "score",
        "flagged",
        "reason",
    ]
    assert ("2026-03-09", top_refund) in {
        (t["period"], t["touchpoint"]) for t in by_touchpoint if t["flagged"] == "True"
    }
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and clusters[refund_id]["label"] in html


def test_mine_names_the_row_and_the_fix(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("body,created\nMy refund never came,2026-03-02T10:00\nNo login,yesterday\n")
    done = mot(
        "mine", str(source), "--out", str(tmp_path / "o"), "--text-col", "body", "--time-col", "created"
    )
    assert done.returncode == 2
    assert "row 3" in done.stderr and "--time-format" in done.stderr
    done = mot("mine", str(source), "--out", str(tmp_path / "o"), "--text-col", "body", "--time-col", "when")
    assert done.returncode == 2 and "no column 'when'" in done.stderr


def test_analyze_without_a_taxonomy_uses_the_default(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text('text\nMy card payment was declined twice\n""\n')
    done = mot("analyze", str(source), "--out", str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    assert "taxonomy generic" in done.stderr
    assert "skipped 1 of 2 rows of in.csv whose 'text' is empty: row 3" in done.stderr
    assert len(read(tmp_path / "out.csv")) == 1
