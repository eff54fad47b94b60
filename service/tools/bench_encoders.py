"""`mot bench --encoders ...`: comments per second and peak memory of each encoder tier, in one
run, each in a fresh process (so that one model's memory is not counted in another's).

An encoder is a preset name, a model folder, or a bundle folder (its own encoder: a distilled
student). Speeds are reported against the first encoder named, measured in the same run.
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _open(choice: str):
    from models.encoder import Encoder, open_encoder
    from service.settings import Settings

    settings = Settings()
    path = Path(choice)
    if (path / "manifest.json").is_file():
        from models.bundle import load_bundle
        from service.domain.runtime import build_encoder

        bundle = load_bundle(path)
        return build_encoder(settings.model_copy(update={"embedding_cache_dir": None}), bundle)
    if (path / "modules.json").is_file():
        return Encoder(path, dtype=settings.encoder_dtype or "float32")
    return open_encoder(
        choice, models_dir=settings.models_dir, dim=settings.encoder_dim, dtype=settings.encoder_dtype
    )


def measure_one(choice: str, texts: list[str], batch: int, repeats: int) -> dict[str, Any]:
    """In this process: load the encoder, embed the texts `repeats` times, keep the fastest."""
    began = time.perf_counter()
    encoder = _open(choice)
    encoder.cache = None  # the speed of the model, not of the cache
    encoder.batch_size = batch
    loaded = time.perf_counter() - began
    encoder.encode(texts[:batch])  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        encoder.encode(texts, with_tokens=True)  # as the service does: tokens kept for the parts
        best = min(best, time.perf_counter() - start)
    return {
        "encoder": choice,
        "version": encoder.version,
        "dim": encoder.dim,
        "dtype": encoder.dtype,
        "comments_per_s": round(len(texts) / best, 1),
        "load_s": round(loaded, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def bench_encoders(choices: list[str], texts: list[str], batch: int, repeats: int) -> dict[str, Any]:
    rows = []
    for choice in choices:
        done = subprocess.run(
            [sys.executable, "-m", "service.tools.bench_encoders", choice, str(batch), str(repeats)],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["failed"])[-1]
            rows.append({"encoder": choice, "error": last})
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = next((r["comments_per_s"] for r in rows if "comments_per_s" in r), None)
    for row in rows:
        if base and "comments_per_s" in row:
            row[f"speed_vs_{rows[0]['encoder']}"] = round(row["comments_per_s"] / base, 3)
    return {
        "texts": len(texts),
        "batch": batch,
        "repeats": repeats,
        "encoders": rows,
        "cpu": _cpu_name(),
        "threads": _threads(),
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    chosen, batch_size, times = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(measure_one(chosen, json.loads(sys.stdin.read()), batch_size, times)))
