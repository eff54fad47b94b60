"""Fit a LinearHead on frozen embeddings (multinomial logistic regression, scikit-learn)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from models.heads import LinearHead

ABSENT_BIAS = -30.0  # a label of the head's order with no training example: never predicted


def fit_linear_head(
    embeddings: np.ndarray,
    labels: list[str],
    *,
    c: float = 10.0,
    seed: int = 0,
    order: list[str] | None = None,
) -> LinearHead:
    """`order` fixes the label order of the head (default: sorted); it may name labels the data
    lacks (the sentiment head always has all three)."""
    model = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    model.fit(embeddings, labels)
    classes = list(model.classes_)
    coef, intercept = model.coef_, model.intercept_
    if len(classes) == 2:  # scikit-learn keeps one row for two classes: softmax([-z/2, z/2]) == sigmoid(z)
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    order = order or classes
    weight = np.zeros((len(order), embeddings.shape[1]), dtype=np.float32)
    bias = np.full(len(order), ABSENT_BIAS, dtype=np.float32)
    for row, label in enumerate(order):
        if label in classes:
            weight[row] = coef[classes.index(label)]
            bias[row] = intercept[classes.index(label)]
    return LinearHead(weight, bias, list(order))


def calibrate(head: LinearHead, embeddings: np.ndarray, labels: list[str]) -> tuple[LinearHead, float]:
    """Temperature scaling (Guo et al., 2017): one divisor for the logits, fitted by likelihood on
    held-out rows and folded into the weights. Fine-tuning with label smoothing leaves the heads
    underconfident, and the service drops touchpoints below `min_confidence`, so an uncalibrated
    head loses right answers there. The argmax, and so the accuracy, is unchanged."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    position = {label: i for i, label in enumerate(head.labels)}
    known = [(i, position[y]) for i, y in enumerate(labels) if y in position]
    if len(known) < 2:
        return head, 1.0
    rows = np.array([i for i, _ in known])
    truth = np.array([y for _, y in known])
    logits = embeddings[rows] @ head.weight.T + head.bias

    def loss(log_t: float) -> float:
        return float(-log_softmax(logits / np.exp(log_t), axis=1)[np.arange(len(truth)), truth].mean())

    temperature = float(np.exp(minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded").x))
    return with_temperature(head, temperature), round(temperature, 4)


def with_temperature(head: LinearHead, temperature: float) -> LinearHead:
    """The head with its logits divided by `temperature`: same argmax, other confidences."""
    return LinearHead(
        (head.weight / temperature).astype(np.float32),
        (head.bias / temperature).astype(np.float32),
        head.labels,
    )
