"""Train the shipped sentiment head on the airline training split (`tweet_id % 5 != 0`) and
write it, with a model card, to models/assets/sentiment.

    python -m training.train_sentiment --data-dir ../shared/data
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
from training.datasets import DEFAULT_DATA_DIR, airline
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
    args = parser.parse_args()

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
    train = airline(args.data_dir, "train")
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


if __name__ == "__main__":
    main()
