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

from models.classify import softmax

DEFAULT_HEAD_DIR = Path(__file__).resolve().parent / "assets" / "sentiment"
LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float  # p(positive) - p(negative), in [-1, 1]
    confidence: float


class SentimentHead:
    def __init__(self, weight: np.ndarray, bias: np.ndarray, labels: list[str], version: str) -> None:
        if set(labels) != set(LABELS):
            raise ValueError(f"a sentiment head must predict {LABELS}, got {labels}")
        if weight.shape != (len(labels), weight.shape[1]) or bias.shape != (len(labels),):
            raise ValueError(f"sentiment head shapes do not match: {weight.shape}, {bias.shape}")
        self.weight = weight.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.labels = labels
        self.version = version
        self._neg = labels.index("negative")
        self._pos = labels.index("positive")

    @property
    def dim(self) -> int:
        return int(self.weight.shape[1])

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return softmax(embeddings @ self.weight.T + self.bias)

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
        save_file({"weight": self.weight, "bias": self.bias}, str(folder / "head.safetensors"))
        manifest = {"labels": self.labels, "dim": self.dim, **card}
        (folder / "head.json").write_text(json.dumps(manifest, indent=2) + "\n")

    @classmethod
    def load(cls, folder: str | Path = DEFAULT_HEAD_DIR) -> SentimentHead:
        folder = Path(folder)
        weights = folder / "head.safetensors"
        manifest = json.loads((folder / "head.json").read_text())
        tensors = load_file(str(weights))
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
        return cls(tensors["weight"], tensors["bias"], list(manifest["labels"]), f"sentiment@{digest}")
