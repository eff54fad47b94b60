"""`mot evaluate-clusters`: how well and how fast pain clusters are found, as JSON.

- quality: Banking77 `test.csv`, scope all, graded against its 77 intents (NMI and ARI with the
  outliers counted as one more label, and the outlier share), ours beside BERTopic's defaults on
  the same embeddings in the same run (BERTopic is the optional extra `compare`);
- scale: wall time and peak memory of clustering n comments, each size in a fresh process. The
  shared data holds about 28,000 real comments; larger sizes repeat them with a little noise
  (said in the output), which keeps the density structure real without inventing text.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from models.cluster import OUTLIER, ClusterConfig, fit_clusters
from models.encoder import Encoder
from models.normalize import normalize
from training.datasets import airline, banking77


def grade(truth: list[str], labels: np.ndarray) -> dict[str, float]:
    """Outliers count as one more label, as the issue asks (not dropped)."""
    return {
        "nmi": round(float(normalized_mutual_info_score(truth, labels)), 4),
        "ari": round(float(adjusted_rand_score(truth, labels)), 4),
        "outliers": round(float((np.asarray(labels) == OUTLIER).mean()), 4),
        "clusters": int(len(set(labels.tolist()) - {OUTLIER})),
    }


def quality(data_dir: Path, encoder: Encoder, config: ClusterConfig, baseline: bool) -> dict[str, Any]:
    test = banking77(data_dir, "test")
    texts = [normalize(ex.text) for ex in test]
    truth = [ex.intent or "" for ex in test]
    embeddings = encoder.encode(texts).sentences
    began = time.perf_counter()
    ours = fit_clusters(embeddings, config)
    result: dict[str, Any] = {
        "data": "banking77 test.csv, scope all",
        "n": len(texts),
        "encoder": encoder.version,
        "ours": {**grade(truth, ours.labels), "seconds": round(time.perf_counter() - began, 1)},
    }
    if baseline:
        try:
            from bertopic import BERTopic
        except ImportError:
            result["bertopic"] = "not installed: pip install -e '.[compare]'"
        else:
            began = time.perf_counter()
            topics, _ = BERTopic(calculate_probabilities=False).fit_transform(texts, embeddings=embeddings)
            result["bertopic"] = {
                **grade(truth, np.asarray(topics)),
                "seconds": round(time.perf_counter() - began, 1),
                "settings": "BERTopic() defaults: UMAP(n_neighbors=15, n_components=5), HDBSCAN(min_cluster_size=10, eom)",
            }
    return result


def _cluster_once(embeddings: np.ndarray, config: ClusterConfig, queue) -> None:
    began = time.perf_counter()
    clustering = fit_clusters(embeddings, config)
    queue.put(
        {
            "seconds": round(time.perf_counter() - began, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "clusters": clustering.count,
            "outliers": round(float((clustering.labels == OUTLIER).mean()), 4),
        }
    )


def scale(
    data_dir: Path, encoder: Encoder, config: ClusterConfig, sizes: list[int], seed: int = 0
) -> dict[str, Any]:
    texts = [normalize(ex.text) for ex in airline(data_dir, "all")]
    texts += [normalize(ex.text) for split in ("train", "test") for ex in banking77(data_dir, split)]
    real = encoder.encode(texts).sentences
    rng = np.random.default_rng(seed)
    context = multiprocessing.get_context("spawn")  # a fresh process: its peak memory is this size's
    runs = []
    for n in sizes:
        picked = real[rng.choice(len(real), size=n, replace=n > len(real))]
        if n > len(real):  # repeated rows get a little noise so that no two points coincide
            picked = picked + rng.normal(scale=0.01, size=picked.shape).astype(np.float32)
            picked /= np.linalg.norm(picked, axis=1, keepdims=True)
        queue = context.Queue()
        worker = context.Process(target=_cluster_once, args=(picked, config, queue))
        worker.start()
        outcome = queue.get()
        worker.join()
        runs.append({"n": n, **outcome})
    return {
        "real_comments": len(real),
        "note": f"sizes above {len(real)} repeat real embeddings with noise (sd 0.01)",
        "runs": runs,
    }
