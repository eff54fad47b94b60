"""`mot taxonomy check FILE --sample comments.csv`: what to fix in a taxonomy, as JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.helpers import mot

TAXONOMY = """name: shop
touchpoints:
- id: delivery
  name: Delivery
  stage: usage
  description: Parcels that arrive late, damaged or never.
  examples: [My parcel is a week late., The box arrived crushed.]
- id: returns
  name: Returns
  stage: after_sales
  description: Sending an item back and getting the money back.
  examples: [How do I return these shoes?, I am still waiting for my refund.]
"""
NO_MODEL = {**os.environ, "MOT_ENCODER": "/nonexistent/encoder"}


def test_check_reports_findings_and_shares_on_a_sample(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(TAXONOMY)
    rows = ["text", *(f"parcel {i} is late again" for i in range(5)), "the refund never came", ""]
    (tmp_path / "sample.csv").write_text("\n".join(rows) + "\n")
    done = mot("taxonomy", "check", str(tmp_path / "shop.yaml"), "--sample", str(tmp_path / "sample.csv"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["taxonomy"] == "shop" and report["sample_size"] == 6
    assert report["shares"]["delivery"] > report["shares"]["returns"] > 0
    kinds = {(f["kind"], f["stage"]) for f in report["findings"]}
    assert {("empty_stage", "pre_purchase"), ("empty_stage", "purchase"), ("dominant", None)} <= kinds


def test_a_wrong_text_column_is_refused_before_the_model_loads(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(TAXONOMY)
    (tmp_path / "sample.csv").write_text("comment\nlate parcel\n")
    done = mot(
        "taxonomy",
        "check",
        str(tmp_path / "shop.yaml"),
        "--sample",
        str(tmp_path / "sample.csv"),
        env=NO_MODEL,
    )
    assert done.returncode == 2
    assert "has no column 'text'" in done.stderr and "--text-col" in done.stderr
