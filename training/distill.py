"""`mot distill`: a fast student encoder taught to reproduce an accurate teacher's embeddings.

The student (all-MiniLM-L6-v2 by default) reads a customer's own unlabelled comments and learns,
by mean squared error, to give the embedding the teacher (EmbeddingGemma) gives them, with the
teacher's prompt (Reimers & Gurevych 2020, "Making Monolingual Sentence Embeddings Multilingual
using Knowledge Distillation", as sentence-transformers' MSE distillation does). When their
sizes differ a linear projection is learned on top of the student, so the student's output lives
in the teacher's space and the teacher's heads apply to it. The teacher's vectors come from the
embedding cache: a second run, or a resumed one, does not embed them again. Each epoch ends with
a checkpoint (safetensors) and a validation score (mean cosine to the teacher on held-out
comments); the best epoch is kept.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from models.encoder import Encoder
from models.presets import resolve_dtype


@dataclass
class DistillConfig:
    epochs: int = 3
    batch_size: int = 64
    lr: float = 1e-4
    projection_lr: float = 1e-3
    warmup: float = 0.06
    max_length: int = 128
    valid_share: float = 0.05
    seed: int = 0
    device: str = "cpu"
    bf16: bool | None = None  # autocast to bfloat16; None: where the hardware has it natively


@dataclass
class DistillResult:
    best_epoch: int
    valid_cosine: float  # mean cosine between student and teacher on the held-out comments
    start_cosine: float  # the same before training (0 when a projection starts from random)
    history: list[dict[str, float]]
    seconds: float


def build_student(student_path: Path, teacher_dim: int, device: str):
    """The student's transformer and pooling, a projection to the teacher's size if needed, and
    a final Normalize."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as st

    base = SentenceTransformer(
        str(student_path), device=device, local_files_only=True, model_kwargs={"use_safetensors": True}
    )
    parts = list(base)
    pooling = next(i for i, m in enumerate(parts) if type(m).__name__ == "Pooling")
    kept = parts[: pooling + 1] + [m for m in parts[pooling + 1 :] if type(m).__name__ == "Dense"]
    dim = int(base.get_embedding_dimension() or 0)
    if dim != teacher_dim:
        kept.append(st.Dense(dim, teacher_dim, bias=True, activation_function=torch.nn.Identity()))
    kept.append(st.Normalize())
    return SentenceTransformer(modules=kept, device=device)


def distill(
    teacher: Encoder,
    student_path: Path,
    texts: list[str],
    out: Path,
    config: DistillConfig,
    say: Callable[[str], None] = print,
) -> DistillResult:
    """Train the student on texts; writes it (sentence-transformers, safetensors) to `out`."""
    began = time.perf_counter()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    unique = list(dict.fromkeys(texts))
    say(f"teacher {teacher.version}: embedding {len(unique)} comments (cached ones are read back)")
    bar = tqdm(total=len(unique), desc="teacher", unit="text")
    targets = teacher.encode(unique, progress=lambda done, _: bar.update(done - bar.n)).sentences
    bar.close()
    order = np.random.default_rng(config.seed).permutation(len(unique))
    n_valid = max(1, int(len(unique) * config.valid_share))
    valid, train = order[:n_valid], order[n_valid:]

    model = build_student(student_path, teacher.dim, config.device)
    model.max_seq_length = config.max_length
    projection = [p for m in list(model)[2:] for p in m.parameters()]
    projected = {id(p) for p in projection}
    encoder_params = [p for p in model.parameters() if id(p) not in projected]
    optimizer = torch.optim.AdamW(
        [{"params": encoder_params, "lr": config.lr}, {"params": projection, "lr": config.projection_lr}]
    )
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total = steps_per_epoch * config.epochs
    warm = max(1, int(total * config.warmup))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    run = out.parent / f".{out.name}.run"
    state = _resume(run, model, optimizer, scheduler, say)
    history: list[dict[str, float]] = state.get("history", [])
    best = state.get("best", {"epoch": 0, "cosine": -1.0})
    start_cosine = state.get("start_cosine") or _cosine(model, unique, targets, valid, config)
    target_tensor = torch.from_numpy(targets)
    bf16 = config.bf16 if config.bf16 is not None else resolve_dtype("auto", config.device) == "bfloat16"
    device_type = "cuda" if config.device.startswith("cuda") else "cpu"
    lengths = np.array([len(t) for t in unique])
    for epoch in range(len(history) + 1, config.epochs + 1):
        model.train()
        losses = []
        batches = _batches(train, lengths, config.batch_size, config.seed + epoch)
        for index in tqdm(batches, desc=f"epoch {epoch}", unit="batch"):
            features = model.preprocess([unique[i] for i in index])
            features = {k: v.to(config.device) for k, v in features.items() if torch.is_tensor(v)}
            with torch.autocast(device_type, dtype=torch.bfloat16, enabled=bf16):
                predicted = model(features)["sentence_embedding"]
            loss = ((predicted.float() - target_tensor[index].to(config.device)) ** 2).sum(dim=-1).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(float(loss.detach()))
        cosine = _cosine(model, unique, targets, valid, config)
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "valid_cosine": cosine})
        if cosine > best["cosine"]:
            best = {"epoch": epoch, "cosine": cosine}
            model.save(str(out), safe_serialization=True)
        _checkpoint(run, model, optimizer, scheduler, history, best, start_cosine)
        say(f"epoch {epoch}: loss {np.mean(losses):.4f}, cosine to the teacher {cosine:.4f}")
    if not (out / "modules.json").is_file():  # no epoch to run (resumed after the last)
        model.save(str(out), safe_serialization=True)
    _remove(run)
    return DistillResult(best["epoch"], best["cosine"], start_cosine, history, time.perf_counter() - began)


def _batches(index: np.ndarray, lengths: np.ndarray, size: int, seed: int) -> list[np.ndarray]:
    """Shuffled batches of texts of similar length (sorted within windows of 50 batches), so
    that little of each forward pass is padding."""
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(index)
    batches = []
    window = size * 50
    for start in range(0, len(shuffled), window):
        chunk = shuffled[start : start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


@torch.inference_mode()
def _cosine(model, texts: list[str], targets: np.ndarray, index: np.ndarray, config: DistillConfig) -> float:
    model.eval()
    got = model.encode([texts[i] for i in index], batch_size=config.batch_size, normalize_embeddings=True)
    return round(float(np.mean(np.sum(got * targets[index], axis=1))), 4)


def _checkpoint(run: Path, model, optimizer, scheduler, history, best, start_cosine) -> None:
    run.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(run / "student.safetensors"))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, run / "optim.pt")
    (run / "state.json").write_text(
        json.dumps({"history": history, "best": best, "start_cosine": start_cosine})
    )


def _resume(run: Path, model, optimizer, scheduler, say) -> dict:
    if not (run / "state.json").is_file():
        return {}
    model.load_state_dict(load_file(str(run / "student.safetensors")))
    saved = torch.load(run / "optim.pt", weights_only=True)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    state = json.loads((run / "state.json").read_text())
    say(f"resuming after epoch {len(state['history'])} from {run}")
    return state


def _remove(run: Path) -> None:
    for file in run.glob("*"):
        file.unlink()
    if run.is_dir():
        run.rmdir()


def settings_of(config: DistillConfig) -> dict[str, object]:
    return asdict(config)
