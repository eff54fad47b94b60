"""Fill the `banking` and `airline` packs' example phrases from the training splits, and fit
each pack's softmax temperature on held-out training rows (never on a test split).

    python -m training.build_packs --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from models.classify import TouchpointClassifier
from models.encoder import Encoder
from models.taxonomy import PACKS_DIR, Taxonomy, load_taxonomy
from training.datasets import DEFAULT_DATA_DIR, Example, airline, banking77


def fit_temperature(classifier: TouchpointClassifier, embeddings: np.ndarray, labels: list[str]) -> float:
    """The temperature with the lowest negative log-likelihood on held-out rows."""
    index = [classifier.labels.index(label) for label in labels]
    best, best_nll = 0.05, float("inf")
    for temperature in np.geomspace(0.005, 0.5, 60):
        classifier.taxonomy.scoring.temperature = float(temperature)
        probs = classifier.score(embeddings).confidence
        nll = -np.log(probs[np.arange(len(index)), index] + 1e-12).mean()
        if nll < best_nll:
            best, best_nll = float(temperature), float(nll)
    return round(best, 4)


def build(
    pack: Taxonomy, examples: list[Example], chosen: list[Example], encoder: Encoder, top_k: int
) -> Taxonomy:
    by_touchpoint: dict[str, list[str]] = defaultdict(list)
    for ex in chosen:
        by_touchpoint[ex.touchpoint or ""].append(ex.text)
    for tp in pack.touchpoints:
        tp.examples = sorted(set(by_touchpoint[tp.id]))
    pack.scoring.top_k = top_k
    chosen_ids = {ex.id for ex in chosen}
    held_out = [ex for ex in examples if ex.id not in chosen_ids][:2000]
    classifier = TouchpointClassifier(pack, encoder)
    embeddings = encoder.encode([ex.text for ex in held_out]).sentences
    pack.scoring.temperature = fit_temperature(
        classifier, embeddings, [ex.touchpoint or "" for ex in held_out]
    )
    return pack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--per-intent", type=int, default=8, help="banking examples per intent")
    parser.add_argument("--airline-examples", type=int, default=2000, help="airline examples in all")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    encoder = Encoder()
    rng = random.Random(args.seed)

    train = banking77(args.data_dir, "train")
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for ex in train:
        by_intent[ex.intent or ""].append(ex)
    chosen = [ex for intent in sorted(by_intent) for ex in rng.sample(by_intent[intent], args.per_intent)]
    rng.shuffle(train)
    pack = build(load_taxonomy(PACKS_DIR / "banking.yaml"), train, chosen, encoder, top_k=3)
    (PACKS_DIR / "banking.yaml").write_text(pack.to_yaml())
    print("banking", pack.scoring)

    # Airline: examples in proportion to how often each touchpoint is named, so the prototypes
    # carry the touchpoints' base rates.
    mapped = [ex for ex in airline(args.data_dir, "train") if ex.touchpoint]
    rng.shuffle(mapped)
    chosen = mapped[: args.airline_examples]
    pack = build(load_taxonomy(PACKS_DIR / "airline.yaml"), mapped, chosen, encoder, top_k=10)
    (PACKS_DIR / "airline.yaml").write_text(pack.to_yaml())
    print("airline", pack.scoring)


if __name__ == "__main__":
    main()
