"""Pain-point discovery: cluster comment embeddings into groups an analyst can name.

UMAP reduces the embeddings (HDBSCAN's density estimates degrade in 384 dimensions), HDBSCAN
finds the dense groups and leaves the rest as outliers. Each cluster is then described in the
original embedding space by its centre and a radius (the similarity that most of its members
reach), so that:

- an outlier close enough to a centre joins that cluster (fewer comments left unexplained);
- a comment that arrives between refreshes is assigned with the same rule, without keeping
  the UMAP or HDBSCAN objects (nothing is pickled: a centre and a radius are plain numbers);
- a refresh can be matched to the previous clusters by their centres and members.

Both UMAP and HDBSCAN run with a fixed seed, so the same comments give the same clusters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

OUTLIER = -1


@dataclass(frozen=True)
class ClusterConfig:
    # None: scale with the data (`min_share` of the comments, at least `floor`), so that 100,000
    # comments give a list an analyst can read, not a thousand near-duplicates
    min_cluster_size: int | None = None
    min_share: float = 0.004
    floor: int = 15
    min_samples: int | None = 5
    reduce_to: int | None = 10  # UMAP components; None: cluster the raw embeddings
    neighbors: int = 15  # UMAP n_neighbors: the size of the neighbourhood kept when reducing
    radius_quantile: float = 0.05  # a cluster's radius: this quantile of its members' similarity...
    radius_slack: float = 0.08  # ...less this: a comment that reaches it joins the cluster
    selection: str = "leaf"  # HDBSCAN cluster_selection_method: leaf keeps pain points specific
    seed: int = 0

    def size_for(self, n: int) -> int:
        """The smallest cluster for `n` comments."""
        if self.min_cluster_size is not None:
            return self.min_cluster_size
        return max(self.floor, round(n * self.min_share))


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # (n,) cluster index per comment, OUTLIER for none
    centres: np.ndarray  # (k, dim) L2-normalised mean embedding of each cluster
    radii: np.ndarray  # (k,) cosine similarity to the centre a comment needs to join the cluster
    dense: np.ndarray  # (n,) True where HDBSCAN itself placed the comment (not a later join)

    @property
    def count(self) -> int:
        return len(self.centres)

    def members(self, cluster: int) -> np.ndarray:
        return np.flatnonzero(self.labels == cluster)


def fit_clusters(embeddings: np.ndarray, config: ClusterConfig = ClusterConfig()) -> Clustering:
    """Cluster L2-normalised embeddings; clusters are numbered by size, largest first."""
    n = len(embeddings)
    min_size = config.size_for(n)
    if n < max(2, min_size):
        return _empty(n, embeddings.shape[1] if embeddings.ndim == 2 else 0)
    points = _reduce(embeddings, config)
    import hdbscan

    clusterer = hdbscan.HDBSCAN(
        min_cluster_size=min_size,
        min_samples=config.min_samples,
        cluster_selection_method=config.selection,
        core_dist_n_jobs=1,  # deterministic and friendly to the two-core default machine
    )
    raw = clusterer.fit_predict(points)
    labels = _by_size(raw)
    if labels.max(initial=OUTLIER) == OUTLIER:
        return _empty(n, embeddings.shape[1])
    dense = labels != OUTLIER
    centres, radii = describe(embeddings, labels, config.radius_quantile, config.radius_slack)
    joined = assign(embeddings[~dense], centres, radii)
    labels = labels.copy()
    labels[~dense] = joined
    return Clustering(labels=labels, centres=centres, radii=radii, dense=dense)


def describe(
    embeddings: np.ndarray, labels: np.ndarray, quantile: float, slack: float
) -> tuple[np.ndarray, np.ndarray]:
    """Centre and radius of every cluster 0..k-1 from its current members."""
    k = int(labels.max(initial=OUTLIER)) + 1
    centres = np.zeros((k, embeddings.shape[1]), dtype=np.float32)
    radii = np.zeros(k, dtype=np.float32)
    for c in range(k):
        members = embeddings[labels == c]
        centre = members.mean(axis=0)
        centres[c] = centre / max(float(np.linalg.norm(centre)), 1e-12)
        radii[c] = float(np.quantile(members @ centres[c], quantile)) - slack
    return centres, radii


def assign(embeddings: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """The closest cluster whose radius the comment reaches, else OUTLIER."""
    if len(centres) == 0 or len(embeddings) == 0:
        return np.full(len(embeddings), OUTLIER, dtype=np.int64)
    similarity = embeddings @ centres.T
    best = similarity.argmax(axis=1)
    reached = similarity[np.arange(len(embeddings)), best] >= radii[best]
    return np.where(reached, best, OUTLIER).astype(np.int64)


def representatives(embeddings: np.ndarray, centre: np.ndarray, count: int = 3) -> np.ndarray:
    """Indices (into `embeddings`) of the comments closest to the centre, closest first."""
    order = np.argsort(-(embeddings @ centre), kind="stable")
    return order[:count]


def _reduce(embeddings: np.ndarray, config: ClusterConfig) -> np.ndarray:
    # UMAP's spectral start needs more points than components (and a neighbourhood): a handful
    # of comments (a new store's praise) is clustered on the embeddings themselves.
    small = len(embeddings) <= max(config.reduce_to or 0, config.neighbors) + 2
    if config.reduce_to is None or embeddings.shape[1] <= config.reduce_to or small:
        return embeddings
    import umap

    reducer = umap.UMAP(
        n_neighbors=min(config.neighbors, len(embeddings) - 1),
        n_components=config.reduce_to,
        min_dist=0.0,  # packs neighbours tightly: better for density clustering, worse for plots
        metric="cosine",
        random_state=config.seed,  # fixes the result (and makes UMAP single-threaded)
        n_jobs=1,  # said outright: a seed means one thread anyway
    )
    return reducer.fit_transform(embeddings)


def _by_size(raw: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 from the largest down (ties by first member), outliers stay -1."""
    ids = [c for c in np.unique(raw) if c != OUTLIER]
    order = sorted(ids, key=lambda c: (-int((raw == c).sum()), int(np.argmax(raw == c))))
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(int(c), OUTLIER) for c in raw], dtype=np.int64)


def _empty(n: int, dim: int) -> Clustering:
    return Clustering(
        labels=np.full(n, OUTLIER, dtype=np.int64),
        centres=np.zeros((0, dim), dtype=np.float32),
        radii=np.zeros(0, dtype=np.float32),
        dense=np.zeros(n, dtype=bool),
    )


def outlier_share(labels: Sequence[int] | np.ndarray) -> float:
    labels = np.asarray(labels)
    return float((labels == OUTLIER).mean()) if len(labels) else 0.0
