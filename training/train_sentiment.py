"""Train the shipped sentiment head on the airline training split (`tweet_id % 5 != 0`) and
write it, with a model card, to models/assets/sentiment.

    python -m training.train_sentiment --data-dir ../shared/data

`--data airline,zh-waimai,zh-hotel,zh-shopping --out DIR` trains one head on several training
splits (the Chinese sets add negative and positive rows; neutral comes from the tweets), for a
team whose customers write Chinese; `--per-set N` samples at most N training rows of each.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sklearn.metrics import accuracy_score, classification_report, f1_score

from models.embedding_cache import EmbeddingCache
from models.encoder import open_encoder
from models.normalize import normalize
from models.redact import Redactor
from models.sentiment import LABELS, SentimentHead, head_dir_for
from service.settings import Settings
from training.datasets import DEFAULT_DATA_DIR, ZH_SETS, Example, airline, zh_reviews
from training.evaluate_service import spread
from training.heads import fit_linear_head

CARD = """# Sentiment head (airline tweets)

A linear softmax layer (`head.safetensors`: `weight` {shape}, `bias`) over the L2-normalised
sentence embedding of `{encoder}`. Labels: {labels}. The score is p(positive) - p(negative).

- Data: Twitter US Airline Sentiment (Figure Eight "Data for Everyone", February 2015),
  training split `tweet_id % 5 != 0` ({n_train} tweets). Licence of the data: CC BY-NC-SA 4.0.
- Text: normalised and redacted as the service does (handles become `@user`).
- Training: multinomial logistic regression (scikit-learn), C={c}, seed {seed}.
  Command: `python -m training.train_sentiment --data-dir ../shared/data --encoder {preset} --c {c}`.
- Test split (`tweet_id % 5 == 0`, {n_test} tweets): accuracy **{accuracy:.4f}**,
  macro-F1 **{macro_f1:.4f}**.

```
{report}
```
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, help="default: the preset's shipped head folder")
    parser.add_argument("--encoder", default="minilm", help="preset or model folder")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default="airline", help=f"comma-separated: airline, {', '.join(ZH_SETS)}")
    parser.add_argument(
        "--per-set", type=int, help="at most this many training rows of each set (seeded sample)"
    )
    parser.add_argument(
        "--test-sample", type=int, help="grade on at most N rows of each test split, spread evenly"
    )
    args = parser.parse_args()
    sets = [name.strip() for name in args.data.split(",") if name.strip()]
    unknown = [name for name in sets if name != "airline" and name not in ZH_SETS]
    if unknown:
        parser.error(f"unknown data {unknown}: use airline, {', '.join(ZH_SETS)}")
    if sets != ["airline"] and args.out is None:
        parser.error(
            "a head trained on other data than the airline tweets needs --out (the shipped one stays)"
        )

    settings = Settings()
    if settings.encoder_dim is not None and args.out is None:
        parser.error("with MOT_ENCODER_DIM set, give --out: the shipped head folder holds the full size's")
    encoder = open_encoder(
        args.encoder,
        models_dir=settings.models_dir,
        dim=settings.encoder_dim,
        cache=EmbeddingCache(settings.embedding_cache_dir) if settings.embedding_cache_dir else None,
    )
    args.out = args.out or head_dir_for(encoder.preset)
    train = [
        ex for name in sets for ex in _sample(_load(args.data_dir, name, "train"), args.per_set, args.seed)
    ]
    if sets != ["airline"]:
        _train_several(args, encoder, sets, train)
        return
    test = airline(args.data_dir, "test")
    redactor = Redactor()  # the service redacts before it embeds: train on what it will see
    x_train = encoder.encode([redactor(normalize(ex.text)).text for ex in train]).sentences
    x_test = encoder.encode([redactor(normalize(ex.text)).text for ex in test]).sentences
    y_train = [ex.sentiment for ex in train]
    y_test = [ex.sentiment for ex in test]

    linear = fit_linear_head(x_train, y_train, c=args.c, seed=args.seed, order=list(LABELS))
    head = SentimentHead(linear, "sentiment@new")
    predicted = [LABELS[i] for i in head.probabilities(x_test).argmax(axis=1)]
    metrics = {
        "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
        "macro_f1": round(float(f1_score(y_test, predicted, average="macro")), 4),
    }
    card = {
        "encoder": encoder.version,
        "data": "airline train split (tweet_id % 5 != 0)",
        "licence_of_data": "CC BY-NC-SA 4.0",
        "c": args.c,
        "seed": args.seed,
        "test_metrics": metrics,
    }
    head.save(args.out, card)
    (args.out / "README.md").write_text(
        CARD.format(
            shape=list(linear.weight.shape),
            encoder=encoder.version,
            preset=encoder.preset or encoder.path,
            labels=", ".join(LABELS),
            n_train=len(train),
            n_test=len(test),
            c=args.c,
            seed=args.seed,
            report=classification_report(y_test, predicted, digits=4),
            **metrics,
        )
    )
    print(json.dumps(metrics))


def _load(data_dir: Path, name: str, split: str) -> list[Example]:
    return airline(data_dir, split) if name == "airline" else zh_reviews(data_dir, name, split)


def _sample(examples: list[Example], n: int | None, seed: int) -> list[Example]:
    if n is None or len(examples) <= n:
        return examples
    import random

    return random.Random(seed).sample(examples, n)


def _train_several(args: argparse.Namespace, encoder, sets: list[str], train: list[Example]) -> None:  # type: ignore[no-untyped-def]
    """One head on several training splits, graded on each test split: three-way on the tweets,
    negative or not on the Chinese sets (labelled negative or positive only)."""
    redactor = Redactor()
    prepare = [redactor(normalize(ex.text)).text for ex in train]
    x_train = encoder.encode(prepare, progress=_progress("train")).sentences
    linear = fit_linear_head(
        x_train, [ex.sentiment or "" for ex in train], c=args.c, seed=args.seed, order=list(LABELS)
    )
    head = SentimentHead(linear, "sentiment@new")
    shipped_dir = head_dir_for(encoder.preset)  # the cross-lingual baseline: trained on English only
    shipped = SentimentHead.load(shipped_dir) if (shipped_dir / "head.safetensors").is_file() else None
    metrics: dict[str, dict[str, object]] = {}
    for name in sets:
        test = spread(_load(args.data_dir, name, "test"), args.test_sample)
        x_test = encoder.encode(
            [redactor(normalize(ex.text)).text for ex in test], progress=_progress(name)
        ).sentences
        truth = [ex.sentiment or "" for ex in test]
        metrics[name] = {"n": len(test), **_graded(head, x_test, truth)}
        if shipped is not None:
            metrics[name]["shipped_head"] = _graded(shipped, x_test, truth)
    card = {
        "encoder": encoder.version,
        "data": f"training splits of {', '.join(sets)}"
        + (f", at most {args.per_set} rows each" if args.per_set else ""),
        "n_train": len(train),
        "c": args.c,
        "seed": args.seed,
        "test_metrics": metrics,
    }
    head.save(args.out, card)
    command = f"python -m training.train_sentiment --data {','.join(sets)} --encoder {encoder.preset or encoder.path}"
    if args.per_set:
        command += f" --per-set {args.per_set}"
    (args.out / "README.md").write_text(
        f"# Sentiment head ({', '.join(sets)})\n\nA linear softmax layer over `{encoder.version}`, "
        f"labels {', '.join(LABELS)}, trained on {card['data']} ({len(train)} rows), C={args.c}, seed "
        f"{args.seed}.\n\nCommand: `{command} --out {args.out}`.\n\nTest splits:\n\n```\n"
        f"{json.dumps(metrics, indent=2)}\n```\n"
    )
    print(json.dumps(metrics))


def _graded(head: SentimentHead, embeddings, truth: list[str]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    predicted = [LABELS[i] for i in head.probabilities(embeddings).argmax(axis=1)]
    negative = [t == "negative" for t in truth]
    said = [p == "negative" for p in predicted]
    graded = {
        "negative_vs_not": round(float(accuracy_score(negative, said)), 4),
        "negative_f1": round(float(f1_score(negative, said)), 4),
    }
    if "neutral" in truth:  # three-way labels (the tweets)
        graded["accuracy"] = round(float(accuracy_score(truth, predicted)), 4)
    return graded


def _progress(what: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    bar = tqdm(desc=f"embed {what}", unit="text")

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


if __name__ == "__main__":
    main()
