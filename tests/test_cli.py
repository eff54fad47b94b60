"""`mot analyze` on real files, through the installed entry point's module."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.helpers import mot


def test_analyze_csv_and_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ticket", "body"])
        writer.writerow(["t1", "My card has not arrived yet"])
        writer.writerow(["t2", "Why was my transfer declined? Call me on +1 415 555 2671"])
    out = tmp_path / "out.csv"
    done = mot("analyze", str(source), "--out", str(out), "--text-col", "body", "--taxonomy", "banking")
    assert done.returncode == 0, done.stderr
    assert "analyze: 100%" in done.stderr  # the progress bar ran to the end
    rows = list(csv.DictReader(out.open()))
    assert [r["ticket"] for r in rows] == ["t1", "t2"]
    assert rows[0]["mot_touchpoint"] == "card_ordering_and_delivery"
    assert rows[1]["mot_touchpoint"] == "transfers" and "[PHONE]" in rows[1]["mot_text"]

    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps({"text": "The hotel room was dirty"}) + "\n")
    out_jsonl = tmp_path / "out.jsonl"
    done = mot("analyze", str(lines), "--out", str(out_jsonl), "--taxonomy", "hotel")
    assert done.returncode == 0, done.stderr
    record = json.loads(out_jsonl.read_text())
    assert record["text"] == "The hotel room was dirty"
    assert record["mot"]["touchpoints"][0]["label"] == "cleanliness"


def test_analyze_names_the_missing_column(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("body\nhello\n")
    done = mot("analyze", str(source), "--out", str(tmp_path / "o.csv"))
    assert done.returncode != 0
    assert "no column 'text'" in done.stderr and "--text-col" in done.stderr
