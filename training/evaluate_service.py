"""Grade the service's predictions on labelled data through POST /v1/analyze over HTTP, print
JSON and, with --out, write a report (per-class scores, confusion matrices, reliability plots,
the most confused and the slowest examples).

    mot evaluate banking77 --data-dir ../shared/data
    mot evaluate airline --data-dir ../shared/data [--url http://host:port]
    mot evaluate banking77-pairs --taxonomy training/eval_packs/banking_lite.yaml
    mot evaluate BUNDLE banking77-intents --out reports/b77
    mot evaluate BUNDLE labelled.csv --text-col text --touchpoint-col tp --out reports/mine
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from tqdm import tqdm

from models.taxonomy import load_taxonomy
from training.datasets import (
    ZH_SETS,
    Example,
    airline,
    banking77,
    banking77_intents,
    mixed_languages,
    zh_reviews,
)
from training.evaluate_pairs import grade_pairs, make_pairs

DATASETS = {
    "banking77": ("banking", banking77),
    "banking77-intents": (None, banking77_intents),  # for bundles trained on the 77 intents
    "airline": ("airline", airline),
    "languages": (None, mixed_languages),  # Chinese and English test rows: language detection
    **{
        name: (taxonomy, lambda data_dir, split, name=name: zh_reviews(data_dir, name, split))
        for name, (_, taxonomy) in ZH_SETS.items()
    },
}
PAIRS_DATA = "banking77-pairs"  # two Banking77 test messages in one comment: training/evaluate_pairs.py


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def analyze_all(url: str, examples: list[Example], taxonomy: str | None, batch: int) -> list[dict[str, Any]]:
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
    report: dict[str, Any] = {"n": len(examples)} | _languages(examples, results)
    graded = [(ex, r) for ex, r in zip(examples, results) if ex.touchpoint]
    if not graded:
        return report | _sentiment(examples, results)
    top = [r["touchpoints"][0] if r["touchpoints"] else None for _, r in graded]
    correct = np.array([t is not None and t["label"] == ex.touchpoint for t, (ex, _) in zip(top, graded)])
    confidence = np.array([t["confidence"] if t else 0.0 for t in top])
    report["touchpoint"] = {
        "n": len(graded),
        "accuracy": round(float(correct.mean()), 4),
        "empty_share": round(float(np.mean([t is None for t in top])), 4),
        "ece": round(expected_calibration_error(confidence, correct), 4),
    }
    stage_ok = [r["stage"]["label"] == ex.stage for ex, r in graded if ex.stage]
    if stage_ok:
        report["stage"] = {"n": len(stage_ok), "accuracy": round(float(np.mean(stage_ok)), 4)}
    return report | _sentiment(examples, results)


def _languages(examples: list[Example], results: list[dict[str, Any]]) -> dict[str, Any]:
    pairs = [
        (ex.language, r.get("language"), r.get("warnings", []))
        for ex, r in zip(examples, results)
        if ex.language
    ]
    if not pairs:
        return {}
    by_truth: dict[str, dict[str, int]] = {}
    for truth, found, _ in pairs:
        row = by_truth.setdefault(truth, {})
        row[found or "none"] = row.get(found or "none", 0) + 1
    warned = [
        truth for truth, _, warnings in pairs if any(w.startswith("unsupported_language") for w in warnings)
    ]
    return {
        "language": {
            "n": len(pairs),
            "accuracy": round(float(np.mean([truth == found for truth, found, _ in pairs])), 4),
            "undetected_share": round(float(np.mean([found is None for _, found, _ in pairs])), 4),
            "found": by_truth,  # true language -> what was detected, counts
            "warned": {lang: warned.count(lang) for lang in sorted(set(warned))},
        }
    }


def _sentiment(examples: list[Example], results: list[dict[str, Any]]) -> dict[str, Any]:
    pairs = [(ex.sentiment, r["sentiment"]["label"]) for ex, r in zip(examples, results) if ex.sentiment]
    if not pairs:
        return {}
    truth, predicted = zip(*pairs)
    negative = [t == "negative" for t in truth]
    said_negative = [p == "negative" for p in predicted]
    return {
        "sentiment": {
            "n": len(pairs),
            "accuracy": round(float(accuracy_score(truth, predicted)), 4),
            "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
            # the Chinese sets are labelled negative or positive only: graded on this decision
            "negative_vs_not": {
                "accuracy": round(float(accuracy_score(negative, said_negative)), 4),
                "negative_f1": round(float(f1_score(negative, said_negative)), 4),
            },
        }
    }


@contextmanager
def service_url(
    url: str | None, bundle: Path | None = None, taxonomy_file: Path | None = None
) -> Iterator[str]:
    """The service to grade: the one at `url`, or one started here on a scratch database (that
    knows `taxonomy_file` too)."""
    if url:
        if taxonomy_file is not None:
            raise ValueError(
                f"--taxonomy {taxonomy_file} is a file: a running service knows it only through "
                "MOT_TAXONOMY_FILES or POST /v1/taxonomies; pass its name, or leave out --url"
            )
        yield url
        return
    from service.local_server import local_server
    from service.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'eval.db'}",
            model_bundle=bundle,
            auth=False,
            taxonomy_files=[taxonomy_file] if taxonomy_file else [],
        )
        with local_server(settings) as local:
            yield local


def load_examples(
    data: str, data_dir: Path, columns: dict[str, str | None], limit: int | None
) -> list[Example]:
    """A named test split, or a labelled CSV/JSONL file read with the same columns as `mot train`."""
    if data in DATASETS:
        return DATASETS[data][1](data_dir, "test")[:limit]
    from training.labelled import load_labelled, slug

    labelled = load_labelled(Path(data), min_examples=1, **columns)  # type: ignore[arg-type]
    return [
        Example(
            id=f"row-{row}",
            text=text,
            touchpoint=slug(tp) if tp else None,
            stage=stage,
            sentiment=sentiment,
        )
        for row, text, tp, stage, sentiment in zip(
            labelled.rows, labelled.texts, labelled.touchpoints, labelled.stages, labelled.sentiments
        )
    ][:limit]


def spread(examples: list[Example], n: int | None) -> list[Example]:
    """At most n examples spaced evenly through the list: a file sorted by category (the shopping
    reviews are) is sampled across every category, as its first rows would not be."""
    if n is None or len(examples) <= n:
        return examples
    return [examples[i * len(examples) // n] for i in range(n)]


def pick_taxonomy(data: str, bundle: Path | None, taxonomy: str | None) -> str | None:
    if taxonomy:
        return taxonomy
    if bundle is not None:
        from models.bundle import load_bundle

        loaded = load_bundle(bundle)
        if loaded.taxonomy is not None:
            return loaded.taxonomy.name
    return DATASETS[data][0] if data in DATASETS else None


def time_one_by_one(
    url: str, examples: list[Example], taxonomy: str | None, n: int, seed: int = 0
) -> list[dict]:
    """Latency of single-comment requests on a random sample, slowest first."""
    sample = random.Random(seed).sample(examples, min(n, len(examples)))
    timings = []
    with httpx.Client(base_url=url, timeout=600) as client:
        for ex in tqdm(sample, desc="latency", unit="comment"):
            began = time.perf_counter()
            response = client.post(
                "/v1/analyze", json={"taxonomy": taxonomy, "comments": [{"text": ex.text}]}
            )
            response.raise_for_status()
            timings.append(
                {"id": ex.id, "text": ex.text, "ms": round((time.perf_counter() - began) * 1000, 1)}
            )
    return sorted(timings, key=lambda t: -t["ms"])


def evaluate(
    data: str,
    data_dir: Path,
    url: str | None,
    batch: int,
    limit: int | None,
    *,
    bundle: Path | None = None,
    taxonomy: str | None = None,
    out: Path | None = None,
    latency_sample: int = 0,
    columns: dict[str, str | None] | None = None,
    sample: int | None = None,
) -> dict[str, Any]:
    taxonomy_file = Path(taxonomy) if taxonomy and Path(taxonomy).suffix in {".yaml", ".yml"} else None
    if data == PAIRS_DATA:
        name = load_taxonomy(taxonomy_file).name if taxonomy_file else taxonomy or "banking"
        pairs = make_pairs(banking77(data_dir, "test"))[:limit]
        with service_url(url, bundle, taxonomy_file) as base:
            model = httpx.get(f"{base}/v1/model", timeout=60).json()
            results = analyze_all(base, [p.example() for p in pairs], name, batch)
        return {"data": data, "split": "test", "taxonomy": name, "model_version": model["model_version"],
                **grade_pairs(pairs, results)}  # fmt: skip
    examples = spread(load_examples(data, data_dir, columns or {"text_col": "text"}, limit), sample)
    taxonomy = load_taxonomy(taxonomy_file).name if taxonomy_file else pick_taxonomy(data, bundle, taxonomy)
    with service_url(url, bundle, taxonomy_file) as base:
        model = httpx.get(f"{base}/v1/model", timeout=60).json()
        results = analyze_all(base, examples, taxonomy, batch)
        latency = time_one_by_one(base, examples, taxonomy, latency_sample) if latency_sample else []
    summary: dict[str, Any] = {
        "data": data,
        "split": "test" if data in DATASETS else Path(data).name,
        "taxonomy": taxonomy,
        "model_version": model["model_version"],
        **grade(examples, results),
    }
    if latency:
        ms = [t["ms"] for t in latency]
        summary["latency_ms"] = {
            "n": len(ms),
            "p50": float(np.percentile(ms, 50)),
            "p95": float(np.percentile(ms, 95)),
        }
    if out is not None:
        from training.report import write_report

        write_report(
            out,
            graded_heads(examples, results),
            title=f"{model['model_version']} on {summary['split']} of {data}",
            extra={k: v for k, v in summary.items() if not isinstance(v, dict)},
            latency=latency[:20],
        )
        summary["report"] = str(out / "report.md")
    return summary


def graded_heads(examples: list[Example], results: list[dict[str, Any]]) -> list:
    from training.report import Graded

    heads = []
    labelled = [(ex, r) for ex, r in zip(examples, results) if ex.touchpoint]
    if labelled:
        top = [r["touchpoints"][0] if r["touchpoints"] else None for _, r in labelled]
        heads.append(
            Graded(
                head="touchpoint",
                ids=[ex.id for ex, _ in labelled],
                texts=[ex.text for ex, _ in labelled],
                truth=[ex.touchpoint or "" for ex, _ in labelled],
                predicted=[t["label"] if t else None for t in top],
                confidence=[t["confidence"] if t else 0.0 for t in top],
            )
        )
    staged = [(ex, r) for ex, r in zip(examples, results) if ex.stage]
    if staged:
        heads.append(
            Graded(
                head="stage",
                ids=[ex.id for ex, _ in staged],
                texts=[ex.text for ex, _ in staged],
                truth=[ex.stage or "" for ex, _ in staged],
                predicted=[r["stage"]["label"] for _, r in staged],
                confidence=[r["stage"]["confidence"] for _, r in staged],
            )
        )
    felt = [(ex, r) for ex, r in zip(examples, results) if ex.sentiment]
    if felt:
        heads.append(
            Graded(
                head="sentiment",
                ids=[ex.id for ex, _ in felt],
                texts=[ex.text for ex, _ in felt],
                truth=[ex.sentiment or "" for ex, _ in felt],
                predicted=[r["sentiment"]["label"] for _, r in felt],
                confidence=[r["sentiment"]["confidence"] for _, r in felt],
            )
        )
    return heads
