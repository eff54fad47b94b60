"""training.report on hand-built predictions whose scores are known in advance."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from training.report import Graded, head_metrics, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LONG = "x" * 300


def toy() -> Graded:
    # Wrong: r2 and r3 (a -> b, the top pair), r6 (b -> a), r9 (c -> no label).
    # r3 is the most confident mistake; r0 is more confident still but right.
    return Graded(
        head="touchpoint",
        ids=[f"r{i}" for i in range(10)],
        texts=["t0", "t1", "t2", "pipe | in\nthe text", "t4", "t5", LONG, "t7", "t8", "t9"],
        truth=["a", "a", "a", "a", "b", "b", "b", "c", "c", "c"],
        predicted=["a", "a", "b", "b", "b", "b", "a", "c", "c", None],
        confidence=[0.99, 0.9, 0.6, 0.95, 0.9, 0.9, 0.7, 0.9, 0.9, 0.0],
    )


def calibration(confidence: float, right: int, n: int = 10) -> Graded:
    return Graded(
        head="sentiment",
        ids=[str(i) for i in range(n)],
        texts=[""] * n,
        truth=["pos"] * n,
        predicted=["pos"] * right + ["neg"] * (n - right),
        confidence=[confidence] * n,
    )


def test_head_metrics_known_answers() -> None:
    m = head_metrics(toy())
    assert m["n"] == 10
    assert m["accuracy"] == 0.6
    assert m["empty_share"] == 0.1
    assert {label: c["recall"] for label, c in m["per_class"].items()} == {"a": 0.5, "b": 0.6667, "c": 0.6667}
    assert m["per_class"]["a"] == {"precision": 0.6667, "recall": 0.5, "f1": 0.5714, "support": 4}
    # Over the gold labels only: "(none)" is not a class of its own.
    assert m["macro_f1"] == 0.6476
    assert m["confused_pairs"][0] == {"truth": "a", "predicted": "b", "count": 2}
    assert len(m["confused_pairs"]) == 3
    assert [e["id"] for e in m["most_confused"]] == ["r3", "r6", "r2", "r9"]
    assert m["most_confused"][0] == {
        "id": "r3",
        "text": "pipe | in\nthe text",
        "truth": "a",
        "predicted": "b",
        "confidence": 0.95,
    }
    assert m["most_confused"][-1]["predicted"] is None
    assert [e["id"] for e in head_metrics(toy(), top_confused=1)["most_confused"]] == ["r3"]
    assert sum(b["count"] for b in m["reliability"]) == 10
    json.dumps(m)


def test_ece_zero_when_calibrated_and_positive_when_overconfident() -> None:
    calibrated = head_metrics(calibration(0.7, right=7))
    assert calibrated["ece"] == 0.0
    assert calibrated["reliability"] == [
        {"low": 0.6667, "high": 0.7333, "count": 10, "confidence": 0.7, "accuracy": 0.7}
    ]
    overconfident = head_metrics(calibration(0.95, right=5))
    assert overconfident["ece"] == pytest.approx(0.45)
    assert head_metrics(calibration(1.0, right=10))["ece"] == 0.0


def test_graded_rejects_ragged_lists() -> None:
    with pytest.raises(ValueError):
        Graded(head="stage", ids=["1"], texts=["t"], truth=["a", "b"], predicted=["a"], confidence=[0.5])


def test_write_report_files(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report"
    latency = [{"id": "r6", "text": "slow | one", "ms": 812.5}, {"id": "r1", "text": "t1", "ms": 40.0}]
    graded = [toy(), calibration(0.95, right=5)]
    report = write_report(out, graded, title="Toy run", extra={"bundle": "b1", "seed": 7}, latency=latency)

    assert json.loads((out / "report.json").read_text()) == report
    assert report["title"] == "Toy run" and report["bundle"] == "b1" and report["seed"] == 7
    assert set(report["heads"]) == {"touchpoint", "sentiment"}
    assert report["latency"] == latency
    for head in ("touchpoint", "sentiment"):
        for kind in ("confusion", "reliability"):
            assert (out / f"{kind}_{head}.png").read_bytes()[:8] == PNG_MAGIC

    md = (out / "report.md").read_text()
    assert md.startswith("# Toy run\n")
    assert "- **bundle**: b1" in md and "- **seed**: 7" in md
    assert "| a | 0.6667 | 0.5000 | 0.5714 | 4 |" in md
    assert "![touchpoint confusion matrix](confusion_touchpoint.png)" in md
    assert "| a | b | 2 |" in md
    row = next(line for line in md.splitlines() if line.startswith("| r3 |"))
    assert row.endswith("| pipe \\| in the text |")
    assert row.count(" | ") == 4  # five cells: the escaped pipe does not add one
    assert "| r9 | c | (none) | 0.0000 |" in md
    long_row = next(line for line in md.splitlines() if line.startswith("| r6 | b |"))
    assert LONG not in long_row and "x" * 159 + "…" in long_row
    assert "| r6 | 812.5 | slow \\| one |" in md


def test_write_report_rejects_clashing_keys(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_report(tmp_path, [toy()], title="t", extra={"heads": 1})
    with pytest.raises(ValueError):
        write_report(tmp_path, [toy(), toy()], title="t")


def test_confusion_png_for_many_classes_stays_small(tmp_path: Path) -> None:
    rng = random.Random(0)
    labels = [f"intent_with_a_long_name_{i:02d}" for i in range(77)]
    truth = [label for label in labels for _ in range(5)]
    predicted: list[str | None] = [t if rng.random() < 0.7 else rng.choice(labels) for t in truth]
    n = len(truth)
    graded = Graded("touchpoint", [str(i) for i in range(n)], [""] * n, truth, predicted, [0.8] * n)
    write_report(tmp_path, [graded], title="77 classes")
    png = (tmp_path / "confusion_touchpoint.png").read_bytes()
    assert png[:8] == PNG_MAGIC
    assert len(png) < 2_000_000
