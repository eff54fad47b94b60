"""Themes: pain clusters that tell one story, grouped; a two-level hierarchy (theme -> clusters).

HDBSCAN's leaf clusters are kept specific, so on real data one complaint splits into several of
them: on the airline tweets, "flight was cancelled", "rebook · cancelled" and "refund · credit"
are all cancellations. A theme joins the clusters whose centres and words are close:

- the distance between two clusters is `words` x the cosine distance of their c-TF-IDF rows
  (what they say) + (1 - `words`) x the cosine distance of their L2-normalised centres (what the
  encoder hears); neither alone is enough: centres alone chain every airline complaint into one
  theme, words alone keep synonyms ("bag", "luggage") apart;
- agglomerative clustering, average linkage, cut at `distance`;
- every generic cluster (venting without a subject, models/keywords.py) goes into one theme,
  GENERIC_LABEL, ranked after the specific themes whatever its size.

Themes are numbered by size, largest first, the generic one last. A theme is named by
c-TF-IDF over the themes' comments (the same phrase rule as a cluster's label); a theme of one
cluster keeps that cluster's label. Pure functions of arrays and texts: the service stores
what they return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.keywords import GENERIC_LABEL, describe_groups, term_scores


@dataclass(frozen=True)
class ThemeConfig:
    # Tuned on the 9,178 negative airline tweets with MiniLM (docs/CLUSTERS.md): 0.55 joins
    # the cancellation, delay, baggage and hold-time clusters; 0.60 chains half of all comments
    # into one theme; 0.50 leaves the near-duplicates apart.
    distance: float = 0.55
    words: float = 0.5


@dataclass(frozen=True)
class Theme:
    index: int
    label: str
    keywords: list[str]
    clusters: list[int]  # its clusters (sub-themes), largest first
    size: int  # comments in its clusters
    generic: bool  # the theme of generic clusters: general dissatisfaction


def distances(centres: np.ndarray, scores: np.ndarray, words: float) -> np.ndarray:
    """(k, k) distance between clusters: their words' and their centres' cosine distances mixed."""

    def cosine(rows: np.ndarray) -> np.ndarray:
        unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
        return np.clip(1 - unit @ unit.T, 0, 2)

    mixed = (1 - words) * cosine(np.asarray(centres, dtype=np.float64))
    if scores.shape[1]:
        mixed += words * cosine(scores)
    else:
        mixed += words
    mixed = (mixed + mixed.T) / 2
    np.fill_diagonal(mixed, 0)
    return mixed


def group_clusters(
    centres: np.ndarray,
    scores: np.ndarray,
    sizes: Sequence[int],
    generic: Sequence[bool],
    config: ThemeConfig = ThemeConfig(),
) -> np.ndarray:
    """The theme of every cluster 0..k-1: specific themes numbered by size, the generic one last."""
    k = len(centres)
    generic = np.asarray(generic, dtype=bool)
    group = np.full(k, -1, dtype=np.int64)
    specific = np.flatnonzero(~generic)
    if len(specific) == 1:
        group[specific] = 0
    elif len(specific) > 1:
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        between = distances(centres[specific], scores[specific], config.words)
        tree = linkage(squareform(between, checks=False), method="average")
        group[specific] = fcluster(tree, t=config.distance, criterion="distance")
    sizes = np.asarray(sizes)
    named = sorted(
        {int(g) for g in group[specific]},
        key=lambda g: (-int(sizes[group == g].sum()), int(np.flatnonzero(group == g)[0])),
    )
    result = np.empty(k, dtype=np.int64)
    for new, old in enumerate(named):
        result[group == old] = new
    result[generic] = len(named)
    return result


def find_themes(
    texts: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    centres: np.ndarray,
    generic: Sequence[bool],
    cluster_labels: Sequence[str],
    config: ThemeConfig = ThemeConfig(),
) -> tuple[list[Theme], np.ndarray]:
    """Themes of clusters 0..k-1 (`labels`: the cluster of each text, -1 for none; `generic` and
    `cluster_labels`: per cluster) and the theme of every cluster."""
    labels = np.asarray(labels)
    k = len(centres)
    if k == 0:
        return [], np.zeros(0, dtype=np.int64)
    sizes = np.bincount(labels[labels >= 0], minlength=k)
    theme_of = group_clusters(centres, term_scores(texts, labels), sizes, generic, config)
    per_text = np.where(labels >= 0, theme_of[np.maximum(labels, 0)], -1)
    words = describe_groups(texts, per_text)
    themes = []
    for t in range(int(theme_of.max()) + 1):
        members = sorted(np.flatnonzero(theme_of == t).tolist(), key=lambda c: (-sizes[c], c))
        is_generic = bool(np.asarray(generic, dtype=bool)[members].all())
        described = words.get(t)
        if is_generic:
            label = GENERIC_LABEL
        elif len(members) == 1 or described is None or described.generic:
            label = cluster_labels[members[0]]
        else:
            label = described.label
        themes.append(
            Theme(
                index=t,
                label=label,
                keywords=described.keywords if described else [],
                clusters=[int(c) for c in members],
                size=int(sizes[members].sum()),
                generic=is_generic,
            )
        )
    return themes, theme_of
