"""Comments that name two touchpoints: pairs of Banking77 test messages of different touchpoints
joined by a connective ("..., but ...", "... Also, ..."), graded on the touchpoints the service
returns for the whole: did it find both, how much of what it returned is right, and does each
right mention's evidence lie in the half it came from.

    mot evaluate banking77-pairs --data-dir ../shared/data [--taxonomy banking|FILE] [--limit N]
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from training.datasets import Example

CONNECTIVES = (", but ", ". Also, ", ", and ", ". Besides, ")
PAIRS = 1000


@dataclass(frozen=True)
class Pair:
    id: str
    text: str
    first: str  # touchpoint of the first half
    second: str
    split: int  # where the second half starts in `text`

    def example(self) -> Example:
        return Example(id=self.id, text=self.text, touchpoint=None, stage=None)


def make_pairs(examples: list[Example], n: int = PAIRS, seed: int = 0) -> list[Pair]:
    """`n` pairs of messages of two different touchpoints, the same for a given seed."""
    rng = random.Random(seed)
    pool = [ex for ex in examples if ex.touchpoint]
    pairs = []
    while len(pairs) < n:
        a, b = rng.sample(pool, 2)
        if a.touchpoint == b.touchpoint:
            continue
        connective = rng.choice(CONNECTIVES)
        head = a.text.strip().rstrip(".?! ")
        tail = b.text.strip()
        tail = tail[:1].lower() + tail[1:] if connective.startswith(",") else tail
        text = head + connective + tail
        pairs.append(
            Pair(f"pair-{len(pairs)}", text, a.touchpoint, b.touchpoint, len(head) + len(connective))
        )
    return pairs


def grade_pairs(pairs: list[Pair], results: list[dict[str, Any]]) -> dict[str, Any]:
    both = found = returned = right = placed = 0
    empty = 0
    for pair, result in zip(pairs, results, strict=True):
        labels = {m["label"] for m in result["touchpoints"]}
        truth = {pair.first, pair.second}
        both += truth <= labels
        found += len(truth & labels)
        returned += len(labels)
        empty += not labels
        for mention in result["touchpoints"]:
            if mention["label"] not in truth or mention.get("span") is None:
                continue
            start, end = mention["span"]
            half = pair.first if end <= pair.split else pair.second if start >= pair.split - 2 else None
            right += 1
            placed += half == mention["label"]
    n = len(pairs)
    return {
        "n": n,
        "recall_both": round(both / n, 4),
        "recall": round(found / (2 * n), 4),
        "set_precision": round(found / returned, 4) if returned else 0.0,
        "mean_touchpoints": round(returned / n, 3),
        "empty_share": round(empty / n, 4),
        "evidence_in_its_half": round(placed / right, 4) if right else 0.0,
    }
