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

from models import zero_shot
from models.classify import TouchpointClassifier
from models.embedding_cache import EmbeddingCache
from models.encoder import Encoder, open_encoder
from models.taxonomy import PACKS_DIR, EncoderScoring, Taxonomy, load_taxonomy
from service.settings import Settings
from training.datasets import DEFAULT_DATA_DIR, Example, airline, banking77


def fit_temperature(classifier: TouchpointClassifier, embeddings: np.ndarray, labels: list[str]) -> float:
    """The temperature with the lowest negative log-likelihood on held-out rows."""
    truth = np.asarray([classifier.labels.index(label) for label in labels])
    return zero_shot.fit_temperature(classifier.scorer.similarity(embeddings), truth)


def build(
    pack: Taxonomy, examples: list[Example], chosen: list[Example] | None, encoder: Encoder
) -> Taxonomy:
    """`chosen`: the rows whose texts become the example phrases (None: keep the pack's). The
    weights are fitted leave-one-out on the phrases, the temperature on held-out rows."""
    if chosen is not None:
        by_touchpoint: dict[str, list[str]] = defaultdict(list)
        for ex in chosen:
            by_touchpoint[ex.touchpoint or ""].append(ex.text)
        for tp in pack.touchpoints:
            tp.examples = sorted(set(by_touchpoint[tp.id]))
    phrases = {phrase for tp in pack.touchpoints for phrase in tp.examples}
    held_out = [ex for ex in examples if ex.text not in phrases][:2000]
    pack.scoring = pack.scoring.model_copy(
        update={"temperature": None, "clause_weight": None, "example_weight": None, "by_encoder": {}}
    )
    classifier = TouchpointClassifier(pack, encoder)
    pack.scoring.clause_weight = classifier.fitted.clause_weight
    pack.scoring.example_weight = classifier.fitted.example_weight
    embeddings = encoder.encode([ex.text for ex in held_out]).sentences
    pack.scoring.temperature = fit_temperature(
        classifier, embeddings, [ex.touchpoint or "" for ex in held_out]
    )
    return pack


def fit_for_encoder(pack: Taxonomy, examples: list[Example], encoder: Encoder) -> Taxonomy:
    """Keep the pack's phrases and weights; fit its temperature for another encoder, kept under its name."""
    chosen = {phrase for tp in pack.touchpoints for phrase in tp.examples}
    held_out = [ex for ex in examples if ex.text not in chosen][:2000]
    pack.scoring.by_encoder.pop(encoder.name, None)
    classifier = TouchpointClassifier(pack, encoder)
    embeddings = encoder.encode([ex.text for ex in held_out]).sentences
    temperature = fit_temperature(classifier, embeddings, [ex.touchpoint or "" for ex in held_out])
    pack.scoring.by_encoder[encoder.name] = EncoderScoring(temperature=temperature)
    return pack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--per-intent", type=int, default=8, help="banking examples per intent")
    parser.add_argument("--airline-examples", type=int, default=2000, help="airline examples in all")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--encoder", default="minilm", help="another preset: keep the phrases, fit its own temperature"
    )
    parser.add_argument(
        "--refit", action="store_true", help="keep the example phrases: refit weights and temperature only"
    )
    args = parser.parse_args()
    settings = Settings()
    cache = EmbeddingCache(settings.embedding_cache_dir) if settings.embedding_cache_dir else None
    encoder = open_encoder(args.encoder, models_dir=settings.models_dir, cache=cache)
    rng = random.Random(args.seed)
    if args.encoder != "minilm":
        train = banking77(args.data_dir, "train")
        random.Random(args.seed).shuffle(train)
        mapped = [ex for ex in airline(args.data_dir, "train") if ex.touchpoint]
        random.Random(args.seed).shuffle(mapped)
        for name, examples in (("banking", train), ("airline", mapped)):
            pack = fit_for_encoder(load_taxonomy(PACKS_DIR / f"{name}.yaml"), examples, encoder)
            (PACKS_DIR / f"{name}.yaml").write_text(pack.to_yaml())
            print(name, pack.scoring.by_encoder)
        return

    if args.refit:
        train = banking77(args.data_dir, "train")
        rng.shuffle(train)
        mapped = [ex for ex in airline(args.data_dir, "train") if ex.touchpoint]
        rng.shuffle(mapped)
        for name, examples in (("banking", train), ("airline", mapped)):
            pack = build(load_taxonomy(PACKS_DIR / f"{name}.yaml"), examples, None, encoder)
            (PACKS_DIR / f"{name}.yaml").write_text(pack.to_yaml())
            print(name, pack.scoring)
        return

    train = banking77(args.data_dir, "train")
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for ex in train:
        by_intent[ex.intent or ""].append(ex)
    chosen = [ex for intent in sorted(by_intent) for ex in rng.sample(by_intent[intent], args.per_intent)]
    rng.shuffle(train)
    pack = build(load_taxonomy(PACKS_DIR / "banking.yaml"), train, chosen, encoder)
    (PACKS_DIR / "banking.yaml").write_text(pack.to_yaml())
    print("banking", pack.scoring)

    # Airline: examples in proportion to how often each touchpoint is named, so the prototypes
    # carry the touchpoints' base rates.
    mapped = [ex for ex in airline(args.data_dir, "train") if ex.touchpoint]
    rng.shuffle(mapped)
    chosen = mapped[: args.airline_examples]
    pack = build(load_taxonomy(PACKS_DIR / "airline.yaml"), mapped, chosen, encoder)
    (PACKS_DIR / "airline.yaml").write_text(pack.to_yaml())
    print("airline", pack.scoring)


if __name__ == "__main__":
    main()
