"""Full fine-tuning: one encoder, one linear head per task (touchpoint, stage, sentiment), trained
together with cross-entropy. Runs on CPU (the tested path) or a GPU when one is given.

The heads act on the L2-normalised sentence embedding times a learned scale, so that after
training they fold into plain `LinearHead`s over exactly the embedding the service computes.
Each epoch ends with a validation pass (early stopping keeps the best epoch) and a checkpoint
(weights in safetensors, optimizer state loaded with `weights_only=True`), so an interrupted
run resumes from its last finished epoch.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm.auto import tqdm

from models.heads import LinearHead


@dataclass(frozen=True)
class Task:
    """One classification target: its label names and, per example, a label index (-1: none)."""

    name: str
    labels: list[str]
    targets: list[int]


@dataclass
class FinetuneConfig:
    epochs: int = 6
    batch_size: int = 32
    lr: float = 1e-4  # encoder
    head_lr: float = 1e-2
    weight_decay: float = 0.01
    warmup: float = 0.06  # share of steps with a rising learning rate
    label_smoothing: float = 0.1
    patience: int = 2  # epochs without a better validation score before stopping
    max_length: int = 64
    init_scale: float = 20.0
    balance: bool = False  # weight each class by 1/sqrt(frequency): helps macro-F1 on skewed labels
    seed: int = 0
    device: str = "cpu"
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class FinetuneResult:
    heads: dict[str, LinearHead]
    best_epoch: int
    best_score: float
    history: list[dict[str, float]]
    seconds: float


class MultiTaskModel(nn.Module):
    def __init__(self, encoder: nn.Module, dim: int, tasks: list[Task], init_scale: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.heads = nn.ModuleDict({t.name: nn.Linear(dim, len(t.labels)) for t in tasks})
        self.log_scale = nn.Parameter(torch.tensor(math.log(init_scale)))

    def embed(self, features: dict[str, torch.Tensor]) -> torch.Tensor:
        out = self.encoder(features)["sentence_embedding"]
        return nn.functional.normalize(out, dim=-1)

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        scaled = self.embed(features) * self.log_scale.exp()
        return {name: head(scaled) for name, head in self.heads.items()}

    def linear_heads(self, tasks: list[Task]) -> dict[str, LinearHead]:
        scale = float(self.log_scale.detach().exp())
        return {
            t.name: LinearHead(
                (self.heads[t.name].weight.detach().cpu().float().numpy() * scale).astype(np.float32),
                self.heads[t.name].bias.detach().cpu().float().numpy().astype(np.float32),
                list(t.labels),
            )
            for t in tasks
        }


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def finetune(
    model_st,  # a SentenceTransformer; trained in place
    texts: list[str],
    tasks: list[Task],
    valid_texts: list[str],
    valid_tasks: list[Task],
    config: FinetuneConfig,
    *,
    run_dir: Path | None = None,
    init_heads: dict[str, LinearHead] | None = None,
    progress: Callable[[str], None] | None = None,
) -> FinetuneResult:
    """Train encoder and heads; return the heads of the best validation epoch (the encoder in
    `model_st` is left at that epoch's weights too)."""
    seed_everything(config.seed)
    device = torch.device(config.device)
    dim = int(model_st.get_embedding_dimension())
    model = MultiTaskModel(model_st, dim, tasks, config.init_scale).to(device)
    if init_heads:  # start from heads fitted on the frozen embeddings (few-shot: a stable start)
        scale = float(model.log_scale.detach().exp())
        with torch.no_grad():
            for name, head in init_heads.items():
                model.heads[name].weight.copy_(torch.from_numpy(head.weight / scale))
                model.heads[name].bias.copy_(torch.from_numpy(head.bias))
    tokenizer = model_st.tokenizer
    targets = {t.name: torch.tensor(t.targets, dtype=torch.long) for t in tasks}

    steps_per_epoch = math.ceil(len(texts) / config.batch_size)
    total = steps_per_epoch * config.epochs
    head_params = [*model.heads.parameters(), model.log_scale]
    optimizer = torch.optim.AdamW(
        [
            {"params": list(model.encoder.parameters()), "lr": config.lr},
            {"params": head_params, "lr": config.head_lr},
        ],
        weight_decay=config.weight_decay,
    )
    warmup = max(1, int(total * config.warmup))

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    losses = {t.name: _loss(t, config, device) for t in tasks}

    start_epoch, history, best = 0, [], (-1.0, -1)
    best_state: dict[str, torch.Tensor] | None = None
    if run_dir is not None:
        run_dir.mkdir(parents=True, exist_ok=True)
        resumed = _resume(run_dir, model, optimizer, scheduler, device)
        if resumed is not None:
            start_epoch, history, best = resumed
            best_state = _load_state(run_dir / "best.safetensors", device)
            if progress:
                progress(f"resuming after epoch {start_epoch} (best so far {best[0]:.4f})")

    began = time.perf_counter()
    generator = torch.Generator().manual_seed(config.seed)
    for _ in range(start_epoch):  # replay the shuffles of finished epochs: same order as unbroken
        torch.randperm(len(texts), generator=generator)
    for epoch in range(start_epoch, config.epochs):
        model.train()
        order = torch.randperm(len(texts), generator=generator).tolist()
        running = 0.0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{config.epochs}", leave=False)
        for step in bar:
            index = order[step * config.batch_size : (step + 1) * config.batch_size]
            features = _tokenize(tokenizer, [texts[i] for i in index], config.max_length, device)
            logits = model(features)
            loss = sum(
                losses[t.name](logits[t.name], targets[t.name][index].to(device))
                for t in tasks
                if (targets[t.name][index] >= 0).any()
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            running = 0.9 * running + 0.1 * loss.item() if step else loss.item()
            bar.set_postfix(loss=f"{running:.3f}")
        scores = evaluate_tasks(model, tokenizer, valid_texts, valid_tasks, config, device)
        score = float(np.mean(list(scores.values())))
        history.append({"epoch": epoch + 1, "loss": round(running, 4), "valid": round(score, 4), **scores})
        if score > best[0]:
            best = (score, epoch + 1)
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if run_dir is not None:
                save_file(_contiguous(best_state), str(run_dir / "best.safetensors"))
        if run_dir is not None:
            _checkpoint(run_dir, model, optimizer, scheduler, epoch + 1, history, best)
        if progress:
            progress(f"epoch {epoch + 1}: loss {running:.4f}, validation {score:.4f} {scores}")
        if epoch + 1 - best[1] >= config.patience:
            if progress:
                progress(f"stopping early: no better validation score since epoch {best[1]}")
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return FinetuneResult(
        heads=model.linear_heads(tasks),
        best_epoch=best[1],
        best_score=round(best[0], 4),
        history=history,
        seconds=round(time.perf_counter() - began, 1),
    )


@torch.inference_mode()
def evaluate_tasks(
    model: MultiTaskModel,
    tokenizer,
    texts: list[str],
    tasks: list[Task],
    config: FinetuneConfig,
    device: torch.device,
) -> dict[str, float]:
    model.eval()
    predicted: dict[str, list[int]] = {t.name: [] for t in tasks}
    for begin in range(0, len(texts), 128):
        features = _tokenize(tokenizer, texts[begin : begin + 128], config.max_length, device)
        for name, logits in model(features).items():
            if name in predicted:
                predicted[name].extend(logits.argmax(-1).tolist())
    model.train()
    scores = {}
    for t in tasks:
        pairs = [(p, y) for p, y in zip(predicted[t.name], t.targets) if y >= 0]
        scores[t.name] = round(sum(p == y for p, y in pairs) / max(1, len(pairs)), 4)
    return scores


def _loss(task: Task, config: FinetuneConfig, device: torch.device) -> nn.CrossEntropyLoss:
    weight = None
    if config.balance:
        counts = np.bincount([y for y in task.targets if y >= 0], minlength=len(task.labels)).astype(float)
        inverse = 1 / np.sqrt(np.maximum(counts, 1))
        weight = torch.tensor(inverse / inverse.mean(), dtype=torch.float32, device=device)
    return nn.CrossEntropyLoss(weight=weight, ignore_index=-1, label_smoothing=config.label_smoothing)


def _tokenize(tokenizer, texts: list[str], max_length: int, device: torch.device) -> dict[str, torch.Tensor]:
    features = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return {k: v.to(device) for k, v in features.items()}


def _contiguous(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().contiguous().cpu() for k, v in state.items()}


def _load_state(path: Path, device: torch.device) -> dict[str, torch.Tensor] | None:
    return {k: v.to(device) for k, v in load_file(str(path)).items()} if path.is_file() else None


def _checkpoint(run_dir: Path, model, optimizer, scheduler, epoch: int, history, best) -> None:
    save_file(_contiguous(model.state_dict()), str(run_dir / "last.safetensors"))
    torch.save(
        {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, run_dir / "optim.pt"
    )
    state = {"epoch": epoch, "history": history, "best_score": best[0], "best_epoch": best[1]}
    (run_dir / "state.json").write_text(json.dumps(state, indent=2))


def _resume(run_dir: Path, model, optimizer, scheduler, device: torch.device):
    state_file = run_dir / "state.json"
    if not state_file.is_file():
        return None
    state = json.loads(state_file.read_text())
    model.load_state_dict(_load_state(run_dir / "last.safetensors", device))
    saved = torch.load(run_dir / "optim.pt", map_location=device, weights_only=True)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    return state["epoch"], state["history"], (state["best_score"], state["best_epoch"])


def config_dict(config: FinetuneConfig) -> dict[str, object]:
    return asdict(config)
