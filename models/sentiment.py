"""Sentiment head: a linear softmax layer over the sentence embedding.

The weights live in safetensors with a JSON manifest beside them; the head is trained by
`training/train_sentiment.py` and never unpickled.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from models.heads import LinearHead

DEFAULT_HEAD_DIR = Path(__file__).resolve().parent / "assets" / "sentiment"


def head_dir_for(preset: str | None) -> Path:
    """The shipped sentiment head of an encoder preset: minilm's at assets/sentiment, each other
    preset's in a folder of its own name beneath it."""
    return DEFAULT_HEAD_DIR if preset in (None, "minilm") else DEFAULT_HEAD_DIR / preset


LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float  # p(positive) - p(negative), in [-1, 1]
    confidence: float


class SentimentHead:
    """Three-way sentiment from a LinearHead; the score is p(positive) - p(negative)."""

    def __init__(self, head: LinearHead, version: str) -> None:
        if set(head.labels) != set(LABELS):
            raise ValueError(f"a sentiment head must predict {LABELS}, got {head.labels}")
        self.head = head
        self.version = version
        self._neg = head.labels.index("negative")
        self._pos = head.labels.index("positive")

    @property
    def dim(self) -> int:
        return self.head.dim

    @property
    def labels(self) -> list[str]:
        return self.head.labels

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return self.head.probabilities(embeddings)

    def predict(self, embeddings: np.ndarray) -> list[Sentiment]:
        probs = self.probabilities(embeddings)
        best = probs.argmax(axis=1)
        return [
            Sentiment(
                label=self.labels[int(b)],
                score=float(p[self._pos] - p[self._neg]),
                confidence=float(p[b]),
            )
            for p, b in zip(probs, best)
        ]

    def save(self, folder: Path, card: dict[str, object]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        save_file(
            {"weight": self.head.weight.astype(np.float32), "bias": self.head.bias.astype(np.float32)},
            str(folder / "head.safetensors"),
        )
        manifest = {"labels": self.labels, "dim": self.dim, **card}
        (folder / "head.json").write_text(json.dumps(manifest, indent=2) + "\n")

    @classmethod
    def load(cls, folder: str | Path = DEFAULT_HEAD_DIR) -> SentimentHead:
        folder = Path(folder)
        weights = folder / "head.safetensors"
        manifest = json.loads((folder / "head.json").read_text())
        tensors = load_file(str(weights))
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
        head = LinearHead(tensors["weight"], tensors["bias"], list(manifest["labels"]))
        return cls(head, f"sentiment@{digest}")
