"""Adaptation from unlabelled comments: a linear touchpoint head fitted on the zero-shot scorer's
confident predictions (self-training), promoted only when it passes checks the zero-shot scorer
is held to as well.

- Pseudo-labels: of each touchpoint's predictions, the most confident `keep_share`. An analyst's
  correction replaces the pseudo-label of its comment and always counts, with more weight.
- Class balance: no touchpoint may take more than `max_share` of the pseudo-labels.
- The taxonomy's own example phrases: the head never sees them; it must name them at least as
  well as the zero-shot scorer does with each left out.
- A held-out share of the pseudo-labels: the head must agree with them at least `min_agreement`
  of the time (it learned the signal, not noise).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from models.bundle import Bundle
from models.classify import TouchpointClassifier
from models.encoder import Encoder
from models.heads import LinearHead
from models.taxonomy import Taxonomy

CORRECTION_WEIGHT = 5.0


@dataclass(frozen=True)
class AdaptConfig:
    keep_share: float = 0.5
    held_out: float = 0.2
    min_comments: int = 200
    max_share: float = 0.5
    min_agreement: float = 0.8
    regularisation: float = 10.0  # C of the logistic regression
    seed: int = 0


@dataclass(frozen=True)
class Adaptation:
    promoted: bool
    reasons: list[str]  # why it was refused; empty when promoted
    checks: dict[str, Any]
    head: LinearHead | None = field(default=None, repr=False)

    def report(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("head")
        return out


def adapt(
    classifier: TouchpointClassifier,
    embeddings: np.ndarray,
    corrections: dict[int, str] | None = None,
    config: AdaptConfig = AdaptConfig(),
) -> Adaptation:
    """`corrections`: row of `embeddings` -> the touchpoint an analyst gave it."""
    from sklearn.linear_model import LogisticRegression

    labels = classifier.labels
    if len(embeddings) < config.min_comments:
        return Adaptation(
            False,
            [f"{len(embeddings)} comments; adaptation needs at least {config.min_comments}"],
            {"comments": len(embeddings)},
        )
    confidence = classifier.score(embeddings).confidence
    predicted, certainty = confidence.argmax(axis=1), confidence.max(axis=1)
    chosen: list[int] = []
    for t in range(len(labels)):
        rows = np.flatnonzero(predicted == t)
        keep = max(1, int(len(rows) * config.keep_share)) if len(rows) else 0
        chosen += rows[np.argsort(-certainty[rows])[:keep]].tolist()
    target = predicted.copy()
    weight = np.ones(len(embeddings))
    index = {label: i for i, label in enumerate(labels)}
    for row, label in (corrections or {}).items():
        target[row], weight[row] = index[label], CORRECTION_WEIGHT
    picked = np.array(sorted(set(chosen) | set(corrections or {})), dtype=int)
    shares = np.bincount(target[picked], minlength=len(labels)) / len(picked)

    rng = np.random.default_rng(config.seed)
    held = rng.random(len(picked)) < config.held_out
    train, test = picked[~held], picked[held]
    present = sorted(set(target[train].tolist()))
    model = LogisticRegression(C=config.regularisation, max_iter=3000, class_weight="balanced")
    model.fit(embeddings[train], target[train], sample_weight=weight[train])
    head = _full_head(model, present, labels, embeddings.shape[1])

    phrases = classifier.prototypes[
        np.concatenate([*classifier.scorer.example_rows, np.zeros(0, int)]).astype(int)
    ]
    phrase_truth = np.concatenate(
        [np.full(len(rows), t) for t, rows in enumerate(classifier.scorer.example_rows)] + [np.zeros(0, int)]
    )
    head_phrases = (
        float((head.probabilities(phrases).argmax(axis=1) == phrase_truth).mean()) if len(phrases) else None
    )
    zero_shot_phrases = classifier.fitted.loo_accuracy
    agreement = (
        float((head.probabilities(embeddings[test]).argmax(axis=1) == target[test]).mean())
        if len(test)
        else 0.0
    )
    changed = float((head.probabilities(embeddings).argmax(axis=1) != predicted).mean())
    checks = {
        "comments": len(embeddings),
        "pseudo_labels": int(len(picked)),
        "corrections": len(corrections or {}),
        "largest_share": {labels[int(shares.argmax())]: round(float(shares.max()), 4)},
        "touchpoints_without_pseudo_labels": [labels[t] for t in range(len(labels)) if t not in present],
        "phrases_named_right": {
            "adapted": None if head_phrases is None else round(head_phrases, 4),
            "zero_shot_left_out": zero_shot_phrases,
        },
        "held_out_agreement": round(agreement, 4),
        "changed_share": round(changed, 4),
    }
    reasons = []
    if shares.max() > config.max_share:
        reasons.append(
            f"{labels[int(shares.argmax())]!r} takes {shares.max():.0%} of the pseudo-labels "
            f"(more than {config.max_share:.0%}): the zero-shot scorer leans on one touchpoint"
        )
    if head_phrases is not None and zero_shot_phrases is not None and head_phrases < zero_shot_phrases:
        reasons.append(
            f"the adapted head names {head_phrases:.0%} of the taxonomy's own example phrases, the "
            f"zero-shot scorer {zero_shot_phrases:.0%}: it drifted from what the taxonomy says"
        )
    if agreement < config.min_agreement:
        reasons.append(
            f"the adapted head agrees with {agreement:.0%} of the held-out pseudo-labels "
            f"(at least {config.min_agreement:.0%} needed)"
        )
    return Adaptation(not reasons, reasons, checks, head)


def _full_head(model: Any, present: list[int], labels: list[str], dim: int) -> LinearHead:
    """A head over every touchpoint: those with no pseudo-label are never chosen."""
    weight = np.zeros((len(labels), dim), dtype=np.float32)
    bias = np.full(len(labels), -1e4, dtype=np.float32)
    coef, intercept = np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_)
    if len(present) == 2:  # sklearn keeps one row for two classes: logits (-z/2, z/2)
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    for row, t in enumerate(present):
        weight[t], bias[t] = coef[row], intercept[row]
    return LinearHead(weight, bias, list(labels))


def adapted_bundle(
    result: Adaptation, taxonomy: Taxonomy, encoder: Encoder, name: str, config: AdaptConfig
) -> tuple[Bundle, str]:
    """The promoted head as a bundle (mode `adapted`) for `encoder`, and its model card."""
    if not result.promoted or result.head is None:
        raise ValueError("only a promoted adaptation becomes a bundle")
    comments = result.checks["comments"]
    bundle = Bundle(
        name=name,
        mode="adapted",
        encoder_version=encoder.version,
        heads={"touchpoint": result.head},
        taxonomy=taxonomy,
        encoder_run=encoder.run_config(),
        metrics={"adaptation": result.checks},
        settings={"adapt": asdict(config)},
        data={"comments": comments, "labels": "none: the zero-shot scorer's confident predictions"},
    )
    card = (
        f"# {name}\n\nTaxonomy `{taxonomy.name}` adapted to {comments} unlabelled comments "
        f"({result.checks['corrections']} corrected by analysts): self-training on the zero-shot "
        "scorer's confident predictions (models/adapt.py).\n"
    )
    return bundle, card
