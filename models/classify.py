"""Zero-shot touchpoint and stage classification from a taxonomy.

Every touchpoint is represented by prototypes: the embedding of its description and of each
example phrase. A comment's score for a touchpoint is the mean cosine similarity to its
`top_k` closest prototypes; a softmax with the taxonomy's fitted temperature turns scores into
calibrated confidences, and a stage's confidence is the sum over its touchpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.encoder import Encoder
from models.taxonomy import Taxonomy


@dataclass(frozen=True)
class TouchpointScores:
    similarity: np.ndarray  # (n, touchpoints): top-k mean cosine similarity
    confidence: np.ndarray  # (n, touchpoints): softmax(similarity / temperature)
    stage_confidence: np.ndarray  # (n, stages)


class TouchpointClassifier:
    def __init__(self, taxonomy: Taxonomy, encoder: Encoder) -> None:
        self.taxonomy = taxonomy
        self.labels = [tp.id for tp in taxonomy.touchpoints]
        self.stages = taxonomy.stage_ids
        texts: list[str] = []
        owners: list[int] = []
        for index, tp in enumerate(taxonomy.touchpoints):
            for phrase in [f"{tp.name}: {tp.description}", *tp.examples]:
                texts.append(phrase)
                owners.append(index)
        self.prototypes = encoder.encode(texts).sentences
        self.owners = np.asarray(owners)
        self._columns = [np.flatnonzero(self.owners == i) for i in range(len(self.labels))]
        stage_index = {s: i for i, s in enumerate(self.stages)}
        self.stage_of = np.asarray([stage_index[tp.stage] for tp in taxonomy.touchpoints])

    def score(self, embeddings: np.ndarray) -> TouchpointScores:
        scoring = self.taxonomy.scoring
        sims = embeddings @ self.prototypes.T
        similarity = np.empty((len(embeddings), len(self.labels)), dtype=np.float32)
        for i, columns in enumerate(self._columns):
            k = min(scoring.top_k, len(columns))
            block = sims[:, columns]
            similarity[:, i] = np.partition(block, len(columns) - k, axis=1)[:, -k:].mean(axis=1)
        confidence = softmax(similarity / scoring.temperature)
        stage_confidence = np.zeros((len(embeddings), len(self.stages)), dtype=np.float32)
        np.add.at(stage_confidence.T, self.stage_of, confidence.T)
        return TouchpointScores(similarity, confidence, stage_confidence)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
