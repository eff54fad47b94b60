"""Is a pain point emerging? Each series (a cluster, a touchpoint) is compared with its own
recent baseline, controlling for the total volume and for the mix of sources.

The test, per period t and series:

- expected count E = sum over sources s of R[t, s] * odds[s], where R is the number of the other
  comments in scope (all but this series') from source s in period t and odds[s] is the series'
  count over the rest's count for source s in the baseline window (the `window` periods before
  t), shrunk toward its pooled odds so that a source with little history gets nearer the
  series' usual odds. More comments overall raise E. The rest, not the total, is the yardstick:
  a surge of one pain point inflates the total it is part of and would mask itself.
  A source with fewer than `min_baseline` periods of at least `min_source` comments in the window
  (a channel that just started) is
  left out of both x and E until it has a baseline of its own: a new source is not by itself an
  emerging pain point.
- the observed count x is tested against E with the conditional binomial test for two Poisson
  rates: given x + B (B: the series' baseline count), x ~ Binomial(x + B, E / (E + B)) when
  nothing changed. It accounts for the baseline's own noise. One-sided p-value from scipy.
- flagged when p < `alpha` (the false-alarm rate per series and period: with S series and T
  periods, about alpha * S * T false flags are expected), x >= `min_count` and x >= `min_ratio` * E.
- a series with no baseline count at all (a brand-new cluster) is flagged when x >= `min_new`
  and x at least doubled from the period before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest


@dataclass(frozen=True)
class EmergenceRule:
    window: int = 7  # baseline periods before the one tested
    min_baseline: int = 3  # periods with comments needed before a series is tested
    alpha: float = 0.005  # false-alarm rate per series and period
    min_count: int = 10  # fewer comments than this never make a flag
    min_ratio: float = 1.5  # observed / expected needed, however small p is
    min_new: int = 15  # comments a brand-new series needs in one period
    shrink: float = 50.0  # pseudo-comments pulling a source's share toward the pooled one
    min_source: int = 10  # comments a source needs in a period for that period to count as its history


@dataclass(frozen=True)
class Period:
    """One period of one series, as tested."""

    index: int
    count: int
    share: float  # of all comments in scope in the period
    expected: float
    baseline: int  # the series' count over the baseline window
    p_value: float
    score: float  # observed / expected (inf for a brand-new series)
    flagged: bool
    reason: str


def score_series(
    counts: np.ndarray, totals: np.ndarray, rule: EmergenceRule = EmergenceRule()
) -> list[Period]:
    """`counts` (T, S): the series' comments per period and source; `totals` (T, S): all comments
    in scope per period and source. One Period per t, in order."""
    counts = np.asarray(counts, dtype=np.float64)
    totals = np.asarray(totals, dtype=np.float64)
    if counts.ndim == 1:
        counts, totals = counts[:, None], totals[:, None]
    result = []
    for t in range(len(counts)):
        result.append(_test_period(t, counts, totals, rule))
    return result


def _test_period(t: int, counts: np.ndarray, totals: np.ndarray, rule: EmergenceRule) -> Period:
    begin = max(0, t - rule.window)
    window = totals[begin:t]
    known = (window >= rule.min_source).sum(axis=0) >= rule.min_baseline
    if not known.any():
        known = np.ones(counts.shape[1], dtype=bool)  # nothing has history: judge the whole volume
    counts, totals = counts[:, known], totals[:, known]
    x = int(counts[t].sum())
    n = float(totals[t].sum())
    share = x / n if n else 0.0
    base_counts, base_totals = counts[begin:t], totals[begin:t]
    active = int((base_totals.sum(axis=1) > 0).sum())
    b = int(base_counts.sum())
    if active < rule.min_baseline:
        return Period(t, x, share, float("nan"), b, 1.0, float("nan"), False, "")
    # Odds against the rest, not share of the total: a surge inflates the total it is part of
    rest, base_rest = totals[t] - counts[t], base_totals.sum(axis=0) - base_counts.sum(axis=0)
    pooled = b / max(base_rest.sum(), 1.0)
    per_source = (base_counts.sum(axis=0) + rule.shrink * pooled) / (base_rest + rule.shrink)
    expected = float((rest * per_source).sum())
    if b == 0:
        before = int(counts[t - 1].sum()) if t else 0
        flagged = x >= rule.min_new and x >= 2 * max(before, 1)
        reason = f"new: {x} comments in this period, none in the {active} periods before" if flagged else ""
        return Period(
            t, x, share, expected, b, 0.0 if flagged else 1.0, float("inf") if x else 0.0, flagged, reason
        )
    p = float(binomtest(x, x + b, expected / (expected + b), alternative="greater").pvalue) if x else 1.0
    ratio = x / expected if expected > 0 else float("inf")
    flagged = p < rule.alpha and x >= rule.min_count and ratio >= rule.min_ratio
    volume = n / max(base_totals.sum() / active, 1.0)
    reason = (
        f"{x} comments ({share:.1%} of the period) against {expected:.1f} expected from its share "
        f"of the previous {active} periods: {ratio:.1f}x, p={p:.1e}; total volume {volume:.1f}x its average"
        if flagged
        else ""
    )
    return Period(t, x, share, expected, b, p, ratio, flagged, reason)
