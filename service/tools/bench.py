"""`mot bench`: throughput of POST /v1/analyze over HTTP against raw sentence-transformers
`encode` of the same texts, measured in the same run; prints JSON with the ratio."""

from __future__ import annotations

import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import torch
from tqdm import tqdm

from service.domain.runtime import build_encoder
from service.local_server import local_server
from service.settings import Settings


def _body(chunk: list[str], taxonomy: str) -> dict[str, Any]:
    return {"taxonomy": taxonomy, "comments": [{"text": t} for t in chunk]}


def bench(texts: list[str], batch: int, taxonomy: str, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'bench.db'}", auth=False)
        with local_server(settings) as url, httpx.Client(base_url=url, timeout=600) as client:
            client.post("/v1/analyze", json=_body(texts[:batch], taxonomy)).raise_for_status()  # warm-up
            api_times = []
            for _ in range(repeats):
                start = time.perf_counter()
                for i in tqdm(range(0, len(texts), batch), desc="api", unit="batch"):
                    client.post("/v1/analyze", json=_body(texts[i : i + batch], taxonomy)).raise_for_status()
                api_times.append(time.perf_counter() - start)
    # The baseline: the same model through sentence-transformers' own encode, same batches.
    model = build_encoder(settings).model
    model.encode(texts[:batch], batch_size=batch)
    raw_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in tqdm(range(0, len(texts), batch), desc="raw encode", unit="batch"):
            model.encode(texts[i : i + batch], batch_size=batch)
        raw_times.append(time.perf_counter() - start)
    api, raw = min(api_times), min(raw_times)
    return {
        "texts": len(texts),
        "batch": batch,
        "taxonomy": taxonomy,
        "repeats": repeats,
        "api_per_s": round(len(texts) / api, 1),
        "raw_encode_per_s": round(len(texts) / raw, 1),
        "ratio_api_to_raw": round(raw / api, 3),
        "cpu": platform.processor() or platform.machine(),
        "torch_threads": torch.get_num_threads(),
    }


def _one_by_one(url: str, texts: list[str], clients: int, taxonomy: str, desc: str) -> float:
    """Seconds for `clients` concurrent clients to send every text as its own request."""
    from concurrent.futures import ThreadPoolExecutor

    with httpx.Client(base_url=url, timeout=600, limits=httpx.Limits(max_connections=clients)) as client:
        client.post("/v1/analyze", json=_body(texts[:1], taxonomy)).raise_for_status()  # warm-up
        bar = tqdm(total=len(texts), desc=desc, unit="request")

        def send(text: str) -> None:
            client.post("/v1/analyze", json=_body([text], taxonomy)).raise_for_status()
            bar.update()

        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(send, texts))
        bar.close()
        return time.perf_counter() - start


def bench_clients(texts: list[str], clients: int, taxonomy: str) -> dict[str, Any]:
    """Many clients sending one comment each: the inference queue's micro-batching against the
    same server taking one request per model call (MOT_INFERENCE_BATCH=1), same run."""
    seconds = {}
    base = Settings()
    with tempfile.TemporaryDirectory() as folder:
        for label, size in (("one_per_call", 1), ("micro_batched", base.inference_batch)):
            settings = base.model_copy(
                update={
                    "database_url": f"sqlite:///{Path(folder) / f'{label}.db'}",
                    "auth": False,
                    "inference_batch": size,
                    "queue_max_comments": max(clients, base.queue_max_comments),
                }
            )
            with local_server(settings) as url:
                seconds[label] = _one_by_one(url, texts, clients, taxonomy, label)
    return {
        "requests": len(texts),
        "clients": clients,
        "taxonomy": taxonomy,
        "one_per_call_per_s": round(len(texts) / seconds["one_per_call"], 1),
        "micro_batched_per_s": round(len(texts) / seconds["micro_batched"], 1),
        "ratio_batched_to_one": round(seconds["one_per_call"] / seconds["micro_batched"], 3),
        "cpu": platform.processor() or platform.machine(),
        "torch_threads": torch.get_num_threads(),
    }
