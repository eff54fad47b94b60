"""Fit a LinearHead on frozen embeddings (multinomial logistic regression, scikit-learn)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from models.heads import LinearHead


def fit_linear_head(
    embeddings: np.ndarray, labels: list[str], *, c: float = 10.0, seed: int = 0, order: list[str] | None = None
) -> LinearHead:
    """`order` fixes the label order of the head (default: sorted)."""
    model = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    model.fit(embeddings, labels)
    classes = list(model.classes_)
    order = order or classes
    index = [classes.index(label) for label in order]
    return LinearHead(
        model.coef_[index].astype(np.float32), model.intercept_[index].astype(np.float32), list(order)
    )
