"""The evaluation packs a customer would write (training/eval_packs) and the two-touchpoint set:
how they are built and graded, and `mot evaluate` taking a taxonomy file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from models.taxonomy import builtin_packs, load_taxonomy
from tests.helpers import mot
from training.datasets import Example
from training.evaluate_pairs import grade_pairs, make_pairs

PACKS = Path(__file__).resolve().parents[1] / "training" / "eval_packs"


@pytest.mark.parametrize(("lite", "reference"), [("banking_lite", "banking"), ("airline_lite", "airline")])
def test_a_lite_pack_is_thin_and_names_the_reference_touchpoints(lite: str, reference: str) -> None:
    pack = load_taxonomy(PACKS / f"{lite}.yaml")
    full = builtin_packs()[reference]
    assert {tp.id: tp.stage for tp in pack.touchpoints} == {tp.id: tp.stage for tp in full.touchpoints}
    assert all(len(tp.examples) == 2 and tp.description for tp in pack.touchpoints)
    assert lite not in builtin_packs()  # graded on, never shipped


def test_pairs_are_fixed_by_the_seed_and_graded_by_half() -> None:
    examples = [
        Example(f"e{i}", text, tp, "usage")
        for i, (text, tp) in enumerate([("My card is late.", "card"), ("Where is my refund?", "refunds"),
                                        ("Transfer failed", "transfers"), ("Card still missing", "card")])
    ]  # fmt: skip
    pairs = make_pairs(examples, n=20, seed=3)
    assert pairs == make_pairs(examples, n=20, seed=3) and len(pairs) == 20
    assert all(p.first != p.second and p.text[p.split :] for p in pairs)
    pair = pairs[0]
    first = {"label": pair.first, "span": [0, pair.split - 3]}
    second = {"label": pair.second, "span": [pair.split, len(pair.text)]}
    other = pairs[1]
    misplaced = {"label": other.first, "span": [other.split, len(other.text)]}  # in the wrong half
    wrong = {"label": "elsewhere", "span": [0, 3]}
    graded = grade_pairs(pairs[:2], [{"touchpoints": [first, second]}, {"touchpoints": [misplaced, wrong]}])
    assert graded["recall_both"] == 0.5 and graded["recall"] == 0.75
    assert graded["set_precision"] == 0.75 and graded["evidence_in_its_half"] == round(2 / 3, 4)


def test_evaluate_takes_a_taxonomy_file(tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    with data.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "touchpoint"])
        writer.writerows([["Someone used my card without asking me", "security_and_access"],
                          ["I want to close my account for good", "account_closure"]])  # fmt: skip
    done = mot("evaluate", str(data), "--taxonomy", str(PACKS / "banking_lite.yaml"),
               "--touchpoint-col", "touchpoint", "--latency-sample", "0")  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["taxonomy"] == "banking_lite" and summary["touchpoint"]["n"] == 2
