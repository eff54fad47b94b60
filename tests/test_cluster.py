"""Pain clusters on comments whose groups are known by construction, with the real encoder:
clusters recover the groups, are deterministic, are named by their words, keep their ids when
a refresh adds comments; emergence flags a rise in share, not a rise in volume or a new source."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from models.cluster import OUTLIER, ClusterConfig, assign, fit_clusters
from models.emerging import EmergenceRule, score_series
from models.encoder import Encoder
from models.identity import Known, match
from models.keywords import cluster_keywords, label_from
from tests.helpers import SUBJECTS, comments


@pytest.fixture(scope="module")
def data(encoder: Encoder) -> tuple[list[str], np.ndarray, np.ndarray]:
    texts, truth = [], []
    for k, group in enumerate(SUBJECTS):
        batch = comments(group, 30)
        texts += batch
        truth += [k] * len(batch)
    return texts, np.array(truth), encoder.encode(texts).sentences


def test_clusters_recover_known_groups_the_same_way_every_time(data) -> None:
    texts, truth, embeddings = data
    first = fit_clusters(embeddings)
    second = fit_clusters(embeddings.copy())
    assert first.count == 3
    assert adjusted_rand_score(truth, first.labels) > 0.85
    placed = first.labels != OUTLIER
    for c in range(first.count):  # every cluster holds one group only
        assert len(set(truth[placed & (first.labels == c)])) == 1
    assert (first.labels == second.labels).all() and np.allclose(first.centres, second.centres)
    assert (first.labels == OUTLIER).mean() <= 0.1


def test_keywords_name_each_cluster_by_its_own_words(data) -> None:
    texts, truth, embeddings = data
    clustering = fit_clusters(embeddings)
    keywords = cluster_keywords(texts, clustering.labels)
    expected = {"refund": {"refund", "money", "reimbursement"}, "login": {"login", "password", "signing"}}
    for group, words in expected.items():
        cluster = int(np.bincount(clustering.labels[truth == list(SUBJECTS).index(group)]).argmax())
        assert words & set(keywords[cluster][:3]), (group, keywords[cluster])
        assert label_from(keywords[cluster])
    assert label_from([]) == "(no words)"


def test_refresh_keeps_the_ids_of_unchanged_clusters(data, encoder: Encoder) -> None:
    texts, truth, embeddings = data
    before = fit_clusters(embeddings)
    ids = [101, 102, 103]  # as the store numbers them
    known = [
        Known(ids[c], before.centres[c], frozenset(int(i) for i in before.members(c)))
        for c in range(before.count)
    ]
    # A day later: more comments of the same groups and a new group nobody had seen
    new_texts = comments("refund", 12, start=30) + comments("login", 12, start=30)
    new_texts += [f"The {w} in the app shows the wrong prices" for w in ("checkout", "basket", "cart")] * 5
    everything = np.vstack([embeddings, encoder.encode(new_texts).sentences])
    after = fit_clusters(everything)
    members = [frozenset(int(i) for i in after.members(c)) for c in range(after.count)]
    matched = match(known, after.centres, members, frozenset(range(len(everything))))
    old_label = {ids[c]: int(np.bincount(truth[before.members(c)]).argmax()) for c in range(before.count)}
    for c, old in enumerate(matched):
        if old is not None:  # a continued cluster holds the same group of comments
            assert (
                int(np.bincount(truth[[i for i in after.members(c) if i < len(truth)]]).argmax())
                == old_label[old]
            )
    assert sorted(i for i in matched if i is not None) == ids
    assert matched.count(None) == after.count - 3 >= 1  # the pricing complaints are a new cluster


def test_a_new_comment_joins_the_cluster_it_belongs_to(data, encoder: Encoder) -> None:
    texts, truth, embeddings = data
    clustering = fit_clusters(embeddings)
    probe = encoder.encode(
        ["Still waiting for my refund, it never arrived", "What a lovely sunny day"]
    ).sentences
    joined = assign(probe, clustering.centres, clustering.radii)
    refund_cluster = int(np.bincount(clustering.labels[truth == 0]).argmax())
    assert joined.tolist() == [refund_cluster, OUTLIER]


def test_emergence_flags_a_rise_in_share_not_in_volume_or_a_new_source() -> None:
    rule = EmergenceRule()
    days = 10
    totals = np.full((days, 2), 200.0)
    counts = np.full((days, 2), 10.0)  # 5% of each source, every day
    # The volume doubles on day 7: the series doubles with it, which is no emergence
    totals[7:] *= 2
    counts[7:] *= 2
    assert not any(p.flagged for p in score_series(counts, totals, rule))
    # A new source starts on day 8 where this series is 30% of the comments: not a flag either
    totals3 = np.hstack([totals, np.zeros((days, 1))])
    counts3 = np.hstack([counts, np.zeros((days, 1))])
    totals3[8:, 2], counts3[8:, 2] = 300, 90
    assert not any(p.flagged for p in score_series(counts3, totals3, rule))
    # The share triples on day 9 in the known sources: flagged, with its numbers
    counts3[9, :2] *= 3
    periods = score_series(counts3, totals3, rule)
    assert [p.index for p in periods if p.flagged] == [9]
    # odds against the rest: 60 of 400 on day 9 against 20 of 400 before, per known source
    assert periods[9].score == pytest.approx((60 / 340) / (20 / 380), rel=0.05)
    assert "expected" in periods[9].reason
    # A brand-new series rising steeply is flagged as new
    fresh = np.zeros(days)
    fresh[9] = 25
    flagged = [p for p in score_series(fresh, np.full(days, 400.0), rule) if p.flagged]
    assert [p.index for p in flagged] == [9] and flagged[0].reason.startswith("new:")


def test_moments_rank_touchpoints_by_what_they_cost_the_rating() -> None:
    from models.moments import Mentioned, moments

    rng = np.random.default_rng(0)
    rows = []
    # By construction: a negative "refunds" mention (10% of comments) takes 3 stars off, one of
    # "delivery" (40%) takes 1; "app" is named negatively by half of them and costs nothing.
    for i in range(1000):
        rating = 5.0
        named: dict[str, bool] = {"app": bool(rng.random() < 0.5)}
        if i % 10 == 0:
            named["refunds"] = True
            rating -= 3
        if i % 10 in (1, 2, 3, 4):
            named["delivery"] = True
            rating -= 1
        rows.append(Mentioned(float(rating + rng.normal(0, 0.3)), named))
    ranked = moments(rows)
    assert [m.touchpoint for m in ranked] == ["refunds", "delivery", "app"]
    refunds, delivery, app = ranked
    # the comments without a negative refunds mention average (400 * 4 + 500 * 5) / 900 stars
    expected = (400 * 4 + 500 * 5) / 900 - 2
    assert refunds.ci_low < expected < refunds.ci_high and refunds.rating_drop == pytest.approx(
        expected, abs=0.1
    )
    assert delivery.rating_drop == pytest.approx((100 * 2 + 500 * 5) / 600 - 4, abs=0.1)
    assert app.ci_low < 0 < app.ci_high  # no effect: the interval holds zero
    assert refunds.frequency == 0.1 and refunds.quadrant == "fix first"
    # Without ratings: volume x negativity x growth
    unrated = [Mentioned(None, r.touchpoints) for r in rows]
    assert moments(unrated, growth={"delivery": 1.0})[0].touchpoint == "app"  # 500 mentions, all negative


def test_smallest_cluster_grows_with_the_data_unless_set() -> None:
    config = ClusterConfig()
    assert [config.size_for(n) for n in (200, 3_080, 10_230, 100_000)] == [15, 15, 41, 400]
    assert ClusterConfig(min_cluster_size=7).size_for(100_000) == 7


def test_a_handful_of_comments_is_clustered_without_reduction() -> None:
    """Fewer points than UMAP can embed (a new store's praise): no crash, the groups found."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 32))
    points = np.vstack([a + 0.01 * rng.normal(size=(7, 32)), b + 0.01 * rng.normal(size=(7, 32))])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    found = fit_clusters(points.astype(np.float32), ClusterConfig(min_cluster_size=5))
    assert found.count == 2 and set(found.labels[:7]) != set(found.labels[7:])
