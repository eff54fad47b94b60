"""models/effect.py: did an action work? Synthetic streams with a known change (or none) on a
known day; the interrupted time-series estimate must find the one and not the other."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from models.effect import Series, Verdict, describe, estimate_effect

DAY0 = date(2025, 2, 5)
START = 28  # the action's day: Mar 5


def stream(
    seed: int,
    share_before: float = 0.6,
    share_after: float = 0.6,
    days: int = 56,
    rate: float = 0.1,
    growth: float = 1.0,
    rating_shift: float = 0.0,
) -> tuple[Series, date]:
    """Overall volume rising by `growth` over the stream; the target gets `rate` of it; its
    negative share steps from `share_before` to `share_after` at START, its mean rating by
    `rating_shift`; daily noise in the share's logit so the days are over-dispersed."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    total = rng.poisson(200 * (1 + growth * t / days))
    mentions = rng.binomial(total, rate)
    share = np.where(t >= START, share_after, share_before)
    logit = np.log(share / (1 - share)) + rng.normal(0, 0.2, days)
    negatives = rng.binomial(mentions, 1 / (1 + np.exp(-logit)))
    rated = rng.binomial(mentions, 0.5)
    mean = 3.5 + np.where(t >= START, rating_shift, 0.0)
    rating_sum = [float(rng.normal(mu, 1.0, c).sum()) for mu, c in zip(mean, rated)]
    periods = tuple(DAY0 + timedelta(d) for d in range(days))
    series = Series(periods, tuple(mentions), tuple(negatives), tuple(total), tuple(rating_sum), tuple(rated))
    return series, periods[START]


def test_a_drop_in_negative_share_is_found_and_measured():
    series, start = stream(1, share_before=0.6, share_after=0.3)
    share = estimate_effect(series, start).negative_share
    assert share.verdict == Verdict.IMPROVED
    assert share.high < 0  # the interval excludes 0
    assert share.low <= -30 <= share.high  # and covers the true drop of 30 points
    assert share.before == pytest.approx(60, abs=5) and share.after == pytest.approx(30, abs=5)
    assert share.p_value < 0.001


def test_nothing_changes_few_false_alarms():
    verdicts = [estimate_effect(*stream(seed), draws=500).negative_share.verdict for seed in range(20)]
    alarms = sum(v != Verdict.NO_CHANGE for v in verdicts)
    assert alarms <= 2  # a 95% interval: about 1 in 20 by chance


def test_volume_that_rises_with_overall_volume_is_no_effect():
    series, start = stream(2, growth=1.5)
    effect = estimate_effect(series, start)
    volume = effect.volume
    assert volume.after > 1.4 * volume.before  # the raw count rose a lot...
    assert effect.total_after > 1.4 * effect.total_before  # ...because everyone's did
    assert volume.verdict == Verdict.NO_CHANGE  # controlled for it, nothing
    assert volume.relative_low < 0 < volume.relative_high


def test_a_real_volume_drop_is_found():
    series, start = stream(3)
    halved = tuple(m // 2 if i >= START else m for i, m in enumerate(series.mentions))
    fewer = Series(
        series.periods, halved, tuple(min(k, m) for k, m in zip(series.negatives, halved)), series.total
    )
    volume = estimate_effect(fewer, start).volume
    assert volume.verdict == Verdict.IMPROVED
    assert volume.relative_low <= -0.5 <= volume.relative_high


def test_rating_effect():
    series, start = stream(4, rating_shift=0.6)
    rating = estimate_effect(series, start).rating
    assert rating.verdict == Verdict.IMPROVED
    assert rating.low <= 0.6 <= rating.high and rating.low > 0
    unchanged = estimate_effect(*stream(4)).rating
    assert unchanged.verdict == Verdict.NO_CHANGE


def test_too_few_periods_is_not_enough_data():
    series, start = stream(5, days=START + 3, share_after=0.3)  # three days after the action
    effect = estimate_effect(series, start)
    assert effect.negative_share.verdict == Verdict.NOT_ENOUGH
    assert "3 periods" in effect.negative_share.reason
    before_only = estimate_effect(series, series.periods[-1] + timedelta(days=1))
    assert before_only.post_periods == 0 and before_only.volume.verdict == Verdict.NOT_ENOUGH
    no_ratings = Series(series.periods, series.mentions, series.negatives, series.total)
    assert estimate_effect(no_ratings, start).rating.verdict == Verdict.NOT_ENOUGH


def test_bounds_and_empty_days_do_not_crash():
    series, start = stream(6)
    empty = tuple(0 if i % 5 == 0 else m for i, m in enumerate(series.mentions))
    all_negative = Series(series.periods, empty, empty, series.total)
    assert estimate_effect(all_negative, start).negative_share.verdict == Verdict.NO_CHANGE
    fixed = tuple(0 if i >= START else m for i, m in enumerate(series.mentions))  # none negative after
    cured = estimate_effect(Series(series.periods, series.mentions, fixed, series.total), start)
    assert cured.negative_share.verdict == Verdict.IMPROVED
    assert cured.negative_share.after == 0


def test_describe_in_plain_words():
    improved = estimate_effect(*stream(1, share_after=0.3))
    sentence = describe(improved.negative_share, improved.start)
    assert sentence.startswith("Negative share fell from 6")
    assert "after Mar 5" in sentence and "95% interval" in sentence
    assert sentence.endswith("distinguishable from noise (improved).")
    unchanged = estimate_effect(*stream(7))
    assert "no change distinguishable from noise" in describe(unchanged.negative_share, unchanged.start)
    assert "controlled for overall volume" in describe(unchanged)
    short = estimate_effect(*stream(5, days=START + 3))
    assert "not enough data" in describe(short)


def test_series_refuses_ragged_columns():
    with pytest.raises(ValueError):
        Series((DAY0,), (1, 2), (0, 0), (5, 5))


def test_an_exact_step_is_found() -> None:
    """A stream the model fits exactly (5 of 6 negative every day, then 1 of 6): its residuals
    are rounding errors, which must not be read as correlation that hides the step."""
    start = date(2031, 5, 1)
    periods = tuple(start + timedelta(days=i) for i in range(-14, 14))
    negatives = tuple(5 if p < start else 1 for p in periods)
    effect = estimate_effect(Series(periods, (6,) * len(periods), negatives, (12,) * len(periods)), start)
    share = effect.negative_share
    assert share.verdict == Verdict.IMPROVED and share.high < 0
    assert share.low <= -66.6 <= share.high
