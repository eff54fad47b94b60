"""Touchpoint and stage classification: zero-shot from a taxonomy, or trained heads from a bundle.

Zero-shot, a touchpoint is scored from its description, the clauses of its description and its
example phrases, with weights and a softmax temperature fitted from the taxonomy's own phrases
(models/zero_shot.py); a stage's confidence is the sum over its touchpoints.

A trained classifier (`mot train`) replaces the prototypes by linear heads over the same
embedding; it gives the same scores, so the pipeline does not care which one it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.encoder import Encoder
from models.heads import LinearHead
from models.taxonomy import Taxonomy
from models.zero_shot import Fitted, ZeroShotScorer, taxonomy_phrases


@dataclass(frozen=True)
class TouchpointScores:
    confidence: np.ndarray  # (n, touchpoints), rows sum to 1
    stage_confidence: np.ndarray  # (n, stages)
    fits: np.ndarray  # (n, touchpoints) bool: enough evidence that this touchpoint is named at all


def prototype_phrases(taxonomy: Taxonomy) -> tuple[list[str], list[int]]:
    """Every phrase the zero-shot classifier embeds, and the index of the touchpoint of each."""
    phrases = taxonomy_phrases(taxonomy)
    return phrases.texts, phrases.owners


class TouchpointClassifier:
    def __init__(
        self,
        taxonomy: Taxonomy,
        encoder: Encoder | None = None,
        *,
        prototypes: np.ndarray | None = None,
        encoder_name: str | None = None,
    ) -> None:
        """`prototypes`: the phrases' embeddings (prototype_phrases order), when already made;
        otherwise `encoder` embeds them. The scoring is the taxonomy's for that encoder."""
        self.taxonomy = taxonomy
        name = encoder_name or (encoder.name if encoder is not None else "")
        self.scoring = taxonomy.scoring.for_encoder(name)
        self.labels = [tp.id for tp in taxonomy.touchpoints]
        self.stages = taxonomy.stage_ids
        phrases = taxonomy_phrases(taxonomy)
        if prototypes is None:
            if encoder is None:
                raise ValueError("give the encoder or the prototypes")
            prototypes = encoder.encode(phrases.texts).sentences
        self.prototypes = prototypes
        self.scorer = ZeroShotScorer(phrases, prototypes, len(self.labels), self.scoring)
        stage_index = {s: i for i, s in enumerate(self.stages)}
        self.stage_of = np.asarray([stage_index[tp.stage] for tp in taxonomy.touchpoints])

    @property
    def fitted(self) -> Fitted:
        return self.scorer.fitted

    def score(self, embeddings: np.ndarray) -> TouchpointScores:
        similarity = self.scorer.similarity(embeddings)
        confidence = self.scorer.confidence(similarity)
        fits = similarity >= self.scoring.min_similarity
        return TouchpointScores(confidence, stage_sums(confidence, self.stage_of, len(self.stages)), fits)


class TrainedTouchpointClassifier:
    """Linear heads trained on labelled comments; the stage head, if trained, gives the stage,
    otherwise a stage's confidence is the sum over its touchpoints."""

    def __init__(self, taxonomy: Taxonomy, touchpoint: LinearHead, stage: LinearHead | None) -> None:
        self.taxonomy = taxonomy
        self.head = touchpoint
        self.stage_head = stage
        self.labels = touchpoint.labels
        self.stages = stage.labels if stage else taxonomy.stage_ids
        stage_index = {s: i for i, s in enumerate(taxonomy.stage_ids)}
        self.stage_of = np.asarray([stage_index[taxonomy.touchpoint(t).stage] for t in self.labels])

    def score(self, embeddings: np.ndarray) -> TouchpointScores:
        confidence = self.head.probabilities(embeddings)
        if self.stage_head is not None:
            stage_confidence = self.stage_head.probabilities(embeddings)
        else:
            stage_confidence = stage_sums(confidence, self.stage_of, len(self.stages))
        return TouchpointScores(confidence, stage_confidence, np.ones_like(confidence, dtype=bool))


def stage_sums(confidence: np.ndarray, stage_of: np.ndarray, stages: int) -> np.ndarray:
    totals = np.zeros((len(confidence), stages), dtype=np.float32)
    np.add.at(totals.T, stage_of, confidence.T)
    return totals
