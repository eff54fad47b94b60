"""Stable cluster ids across refreshes: an analyst's name or status on a cluster must survive a
re-clustering that finds the same group of comments again.

A new cluster inherits an old id when their centres are close and they share members (Jaccard
over comments present in both runs); a centre alone suffices when it is very close (a refresh
over mostly new comments). Pairs are chosen by an optimal one-to-one assignment (Hungarian,
scipy), so two new clusters never claim the same old id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class Known:
    """A cluster of the previous refresh."""

    id: int
    centre: np.ndarray  # L2-normalised
    members: frozenset[int]  # comment ids


@dataclass(frozen=True)
class MatchRule:
    min_centre: float = 0.85  # cosine of the centres, with shared members
    min_overlap: float = 0.3  # Jaccard of the members both runs saw
    centre_alone: float = 0.95  # cosine enough without shared members


def match(
    known: Sequence[Known],
    centres: np.ndarray,
    members: Sequence[frozenset[int]],
    seen: frozenset[int],
    rule: MatchRule = MatchRule(),
) -> list[int | None]:
    """For each new cluster (row of `centres`), the id of the old cluster it continues, or None.
    `seen`: the comment ids this refresh clustered (old members outside it cannot be compared)."""
    if not known or len(centres) == 0:
        return [None] * len(centres)
    cosine = centres @ np.stack([k.centre for k in known]).T
    overlap = np.zeros_like(cosine)
    for j, old in enumerate(known):
        still = old.members & seen
        for i, new in enumerate(members):
            union = len(still | new)
            overlap[i, j] = len(still & new) / union if union else 0.0
    allowed = ((cosine >= rule.min_centre) & (overlap >= rule.min_overlap)) | (cosine >= rule.centre_alone)
    score = np.where(allowed, cosine + overlap, -1e6)
    rows, cols = linear_sum_assignment(score, maximize=True)
    result: list[int | None] = [None] * len(centres)
    for i, j in zip(rows, cols):
        if allowed[i, j]:
            result[i] = known[j].id
    return result
