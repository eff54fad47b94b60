"""Linear softmax heads over the sentence embedding: the trained touchpoint, stage and
sentiment classifiers all have this one shape, stored as safetensors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class LinearHead:
    weight: np.ndarray  # (labels, dim) float32
    bias: np.ndarray  # (labels,) float32
    labels: list[str]

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.weight.ndim != 2 or self.weight.shape[0] != n or self.bias.shape != (n,):
            raise ValueError(
                f"head shapes do not match {n} labels: weight {self.weight.shape}, bias {self.bias.shape}"
            )
        if len(set(self.labels)) != n:
            raise ValueError("head labels must be unique")

    @property
    def dim(self) -> int:
        return int(self.weight.shape[1])

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return softmax(embeddings @ self.weight.T + self.bias)

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}.weight": self.weight.astype(np.float32),
            f"{prefix}.bias": self.bias.astype(np.float32),
        }

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str, labels: list[str]) -> LinearHead:
        try:
            return cls(tensors[f"{prefix}.weight"], tensors[f"{prefix}.bias"], list(labels))
        except KeyError as exc:
            raise ValueError(f"weights have no tensor {exc.args[0]!r}") from exc
