"""Moments of truth: which touchpoints matter most.

With ratings (CSAT, NPS, stars), a touchpoint's impact is how much lower the rating is when a
comment mentions it negatively than when it does not (a difference of means with a Welch 95%
confidence interval), weighted by how often that happens. Its performance is its negative share.
The two together are the importance-performance view, split at the medians of impact and of
negative share (a tie counts as high):

- `fix first`: high impact, poor performance, and the rating drop's 95% interval excludes 0
  (`ci_low > 0`): a negative mention really does cost rating;
- `uncertain`: high impact and poor performance, but the interval holds 0 (or there is none:
  fewer than 2 rated comments on a side): not yet distinguishable from noise, never `fix first`;
- `keep up`: high impact, performing well;
- `watch`: low impact, poor performance;
- `low priority`: low impact, performing well.

Without ratings (fewer than `min_rated` comments carry one), touchpoints rank by volume ×
negative share × growth and the quadrants split that volume-based impact the same way; no rating
effect is claimed, so nothing is `uncertain` (callers say the ranking is by volume).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import t as student_t

MIN_RATED = 5  # fewest rated comments for a ranking by rating
FIX_FIRST, UNCERTAIN, KEEP_UP, WATCH, LOW_PRIORITY = (
    "fix first",
    "uncertain",
    "keep up",
    "watch",
    "low priority",
)
QUADRANTS = (FIX_FIRST, UNCERTAIN, KEEP_UP, WATCH, LOW_PRIORITY)


@dataclass(frozen=True)
class Mentioned:
    """One comment: its rating (None if it has none) and the touchpoints it names, each with
    whether that mention is negative."""

    rating: float | None
    touchpoints: dict[str, bool]  # touchpoint -> mentioned negatively


@dataclass(frozen=True)
class Moment:
    touchpoint: str
    comments: int  # comments that name it
    negative_share: float  # performance: the share of its mentions that are negative
    rating_drop: float | None  # mean rating without a negative mention minus with one
    ci_low: float | None
    ci_high: float | None
    frequency: float  # share of all comments that mention it negatively
    impact: float  # rating_drop x frequency, or volume x negative share x growth without ratings
    quadrant: str


def uses_ratings(comments: Sequence[Mentioned], min_rated: int = MIN_RATED) -> bool:
    return sum(c.rating is not None for c in comments) >= min_rated


def moments(
    comments: Sequence[Mentioned], growth: dict[str, float] | None = None, min_rated: int = MIN_RATED
) -> list[Moment]:
    """Touchpoints ranked by impact, highest first. Ratings are used when at least `min_rated`
    comments carry one."""
    growth = growth or {}
    names = sorted({t for c in comments for t in c.touchpoints})
    rated = [c for c in comments if c.rating is not None]
    use_ratings = uses_ratings(comments, min_rated)
    total = max(len(rated) if use_ratings else len(comments), 1)
    result = []
    for name in names:
        naming = [c for c in comments if name in c.touchpoints]
        negative = sum(c.touchpoints[name] for c in naming)
        share = negative / len(naming)
        drop = low = high = None
        if use_ratings:
            hit = np.array([c.rating for c in rated if c.touchpoints.get(name)], dtype=float)
            rest = np.array([c.rating for c in rated if not c.touchpoints.get(name)], dtype=float)
            frequency = len(hit) / total
            drop, low, high = _difference(rest, hit)
            impact = (drop or 0.0) * frequency
        else:
            frequency = negative / total
            impact = len(naming) * share * max(growth.get(name, 1.0), 1.0)
        result.append(
            Moment(
                touchpoint=name,
                comments=len(naming),
                negative_share=round(share, 4),
                rating_drop=None if drop is None else round(drop, 4),
                ci_low=None if low is None else round(low, 4),
                ci_high=None if high is None else round(high, 4),
                frequency=round(frequency, 4),
                impact=round(impact, 4),
                quadrant="",
            )
        )
    return _quadrants(sorted(result, key=lambda m: (-m.impact, m.touchpoint)), use_ratings)


def _difference(rest: np.ndarray, hit: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """Mean(rest) - mean(hit) with a Welch 95% interval (None where a side has under 2 values)."""
    if len(hit) < 2 or len(rest) < 2:
        return (float(rest.mean() - hit.mean()) if len(hit) and len(rest) else None), None, None
    drop = float(rest.mean() - hit.mean())
    a, b = rest.var(ddof=1) / len(rest), hit.var(ddof=1) / len(hit)
    se = math.sqrt(a + b)
    if se == 0:
        return drop, drop, drop
    dof = (a + b) ** 2 / ((a**2) / (len(rest) - 1) + (b**2) / (len(hit) - 1))
    margin = float(student_t.ppf(0.975, dof)) * se
    return drop, drop - margin, drop + margin


def quadrant(important: bool, poor: bool, ci_low: float | None, by_rating: bool) -> str:
    """The rule of the module docstring: `fix first` needs an interval above 0 when ratings rank."""
    if important and poor:
        return FIX_FIRST if not by_rating or (ci_low is not None and ci_low > 0) else UNCERTAIN
    if important:
        return KEEP_UP
    return WATCH if poor else LOW_PRIORITY


def _quadrants(ranked: list[Moment], by_rating: bool) -> list[Moment]:
    """Split at the medians of impact and negative share (a tie counts as high)."""
    if not ranked:
        return ranked
    impact_mid = float(np.median([m.impact for m in ranked]))
    share_mid = float(np.median([m.negative_share for m in ranked]))
    return [
        replace(
            m, quadrant=quadrant(m.impact >= impact_mid, m.negative_share >= share_mid, m.ci_low, by_rating)
        )
        for m in ranked
    ]
