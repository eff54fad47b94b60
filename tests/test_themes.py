"""Cluster labels an analyst can read and themes that gather near-duplicate clusters: text is
cleaned of handles, entities, URLs and scraping artefacts; labels are phrases of the members'
own words; venting without a subject is one generic group, ranked last; two clusters that tell
one story share a theme while a third stays apart. Tiny synthetic inputs, real code."""

from __future__ import annotations

import numpy as np

from models.cluster import Clustering
from models.keywords import GENERIC_LABEL, clean, cluster_keywords, describe_groups
from models.pain import Comments, describe_clusters, group_themes
from models.themes import ThemeConfig, find_themes, group_clusters

CANCELLED = [
    "@united my flight was cancelled again &amp; nobody helps http://t.co/abc",
    "@user flight was cancelled, now stuck in Denver #fail",
    "My flight was Cancelled Flightled and no rebooking offered",
    "flight was cancelled for the second time this week",
    "@AmericanAir why was my flight cancelled? [EMAIL]",
    "flight cancelled at the gate, no hotel voucher",
]
BAGS = [
    "you lost my bag in Chicago",
    "@user lost my bag and nobody answers",
    "still no news, you lost my bag on Monday",
    "lost my bag, the claim form is broken",
    "second trip in a row you lost my bag",
    "lost bag again &gt; worst",
]
VENTING = [
    "@user worst. guys. just worst",
    "@user suck",
    "@user exactly",
    "@user thanks for nothing guys",
    "@user you guys are terrible",
    "@user seriously? worst ever",
]
REST = ["the seat was fine", "the coffee was cold", "boarding took a while", "pilot was friendly"]


def _groups() -> tuple[list[str], np.ndarray]:
    texts = CANCELLED + BAGS + VENTING + REST
    labels = [0] * len(CANCELLED) + [1] * len(BAGS) + [2] * len(VENTING) + [-1] * len(REST)
    return texts, np.array(labels)


def test_clean_drops_handles_entities_urls_placeholders_and_the_artefact() -> None:
    text = clean(
        "@united &amp;amp; flight Cancelled Flightled, see http://t.co/x www.x.com #fail [EMAIL] @user"
    )
    for gone in ("@", "&", "amp", "http", "www", "#", "[EMAIL]", "Flightled", "united"):
        assert gone not in text, (gone, text)
    assert "cancelled" in text and "fail" in text  # the hashtag's word stays
    assert clean("Late Flightr again, reFlight Booking Problems") == "later again, rebooking"
    assert clean("送餐太慢 @美团") == "送餐太慢 @美团"  # no ASCII handle: Chinese text untouched


def test_labels_are_phrases_of_the_members_words_without_noise() -> None:
    texts, labels = _groups()
    described = describe_groups(texts, labels)
    assert described[0].label == "flight was cancelled", described[0]
    assert described[1].label == "lost my bag", described[1]
    for d in described.values():
        for term in [d.label, *d.keywords]:
            assert not {"user", "amp", "gt", "http", "co", "flightled", "email", "united"} & set(
                term.split()
            ), (term, d)
    assert described[0].coverage >= 0.8 and not described[0].generic


def test_venting_without_a_subject_is_generic() -> None:
    texts, labels = _groups()
    described = describe_groups(texts, labels)
    assert described[2].generic and described[2].label == GENERIC_LABEL and described[2].subject is None
    assert not described[0].generic and not described[1].generic
    # cluster_keywords still lists the words, venting or not
    assert {"worst", "guys"} & set(cluster_keywords(texts, labels)[2])


def _embeddings(rng: np.random.Generator, centres: list[np.ndarray], counts: list[int]) -> np.ndarray:
    rows = [c + 0.05 * rng.standard_normal((n, len(c))) for c, n in zip(centres, counts)]
    points = np.vstack(rows)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def test_themes_merge_near_duplicates_and_keep_a_distinct_cluster_apart() -> None:
    rng = np.random.default_rng(0)
    dim = 16
    cancel = np.eye(dim)[0]
    near = cancel + 0.25 * np.eye(dim)[1]  # a second cancellation cluster, close to the first
    bags = np.eye(dim)[5]
    texts = CANCELLED + CANCELLED[::-1] + BAGS + VENTING
    labels = np.repeat([0, 1, 2, 3], [6, 6, 6, 6])
    embeddings = _embeddings(rng, [cancel, near, bags, -cancel], [6, 6, 6, 6])
    centres = np.stack([embeddings[labels == c].mean(axis=0) for c in range(4)])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    generic = [False, False, False, True]
    themes, theme_of = find_themes(
        texts, labels, centres, generic, ["a", "b", "lost my bag", GENERIC_LABEL], ThemeConfig()
    )
    assert theme_of.tolist() == [0, 0, 1, 2]  # largest first, the generic theme last
    assert themes[0].clusters == [0, 1] and themes[0].size == 12
    assert "cancelled" in themes[0].label, themes[0]
    assert themes[1].label == "lost my bag" and themes[1].clusters == [2]  # one cluster: its label
    assert themes[2].generic and themes[2].label == GENERIC_LABEL
    # nothing is joined under a zero threshold; a generic cluster never joins a specific theme
    apart = group_clusters(centres, np.eye(4), [6, 6, 6, 6], generic, ThemeConfig(distance=0.0))
    assert sorted(apart[:3].tolist()) == [0, 1, 2] and apart[3] == 3


def test_mining_marks_generic_clusters_and_their_themes() -> None:
    rng = np.random.default_rng(1)
    texts = CANCELLED + BAGS + VENTING
    labels = np.repeat([0, 1, 2], 6)
    embeddings = _embeddings(rng, [np.eye(8)[0], np.eye(8)[3], np.eye(8)[6]], [6, 6, 6]).astype(np.float32)
    centres = np.stack([embeddings[labels == c].mean(axis=0) for c in range(3)])
    clustering = Clustering(
        labels=labels,
        centres=centres / np.linalg.norm(centres, axis=1, keepdims=True),
        radii=np.zeros(3, np.float32),
        dense=np.ones(len(texts), bool),
    )
    comments = Comments(
        texts=texts,
        embeddings=embeddings,
        sentiments=["negative"] * len(texts),
        scores=[-0.8] * len(texts),
        touchpoints=["flights"] * 6 + ["baggage"] * 6 + [None] * 6,
        stages=["usage"] * len(texts),
    )
    clusters = describe_clusters(comments, clustering)
    assert [c.generic for c in clusters] == [False, False, True]
    themes, clusters = group_themes(comments, clustering, clusters)
    assert [c.theme for c in clusters] == [0, 1, 2] and themes[-1].generic
    assert [t.size for t in themes] == [6, 6, 6]
