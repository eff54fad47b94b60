"""Grade the running service's zero-shot predictions on the shipped evaluation data, through
POST /v1/analyze over HTTP, and print JSON.

    mot evaluate banking77 --data-dir ../shared/data
    mot evaluate airline --data-dir ../shared/data [--url http://host:port]
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from tqdm import tqdm

from training.datasets import Example, airline, banking77

DATASETS = {"banking77": ("banking", banking77), "airline": ("airline", airline)}


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def analyze_all(url: str, examples: list[Example], taxonomy: str, batch: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, timeout=600) as client:
        for start in tqdm(range(0, len(examples), batch), desc="analyze", unit="batch"):
            chunk = examples[start : start + batch]
            response = client.post(
                "/v1/analyze",
                json={"taxonomy": taxonomy, "comments": [{"id": ex.id, "text": ex.text} for ex in chunk]},
            )
            response.raise_for_status()
            results += response.json()["results"]
    return results


def grade(examples: list[Example], results: list[dict[str, Any]]) -> dict[str, Any]:
    report: dict[str, Any] = {"n": len(examples)}
    graded = [(ex, r) for ex, r in zip(examples, results) if ex.touchpoint]
    top = [r["touchpoints"][0] if r["touchpoints"] else None for _, r in graded]
    correct = np.array([t is not None and t["label"] == ex.touchpoint for t, (ex, _) in zip(top, graded)])
    confidence = np.array([t["confidence"] if t else 0.0 for t in top])
    report["touchpoint"] = {
        "n": len(graded),
        "accuracy": round(float(correct.mean()), 4),
        "empty_share": round(float(np.mean([t is None for t in top])), 4),
        "ece": round(expected_calibration_error(confidence, correct), 4),
    }
    stage_ok = [r["stage"]["label"] == ex.stage for ex, r in graded]
    report["stage"] = {"n": len(graded), "accuracy": round(float(np.mean(stage_ok)), 4)}
    if examples[0].sentiment is not None:
        truth = [ex.sentiment for ex in examples]
        predicted = [r["sentiment"]["label"] for r in results]
        report["sentiment"] = {
            "n": len(examples),
            "accuracy": round(float(accuracy_score(truth, predicted)), 4),
            "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
        }
    return report


@contextmanager
def service_url(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from service.local_server import local_server
    from service.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'eval.db'}")
        with local_server(settings) as local:
            yield local


def evaluate(dataset: str, data_dir: Path, url: str | None, batch: int, limit: int | None) -> dict[str, Any]:
    taxonomy, reader = DATASETS[dataset]
    examples = reader(data_dir, "test")[:limit]
    with service_url(url) as base:
        results = analyze_all(base, examples, taxonomy, batch)
    return {"dataset": dataset, "split": "test", "taxonomy": taxonomy, **grade(examples, results)}
