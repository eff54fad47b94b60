"""Few-shot encoder tuning, SetFit's method (Tunstall et al., 2022): sentence pairs labelled
"same class" or "different class", trained so that the cosine similarity of a pair's embeddings
approaches 1 or 0. The heads are then fitted on the tuned embeddings (training/heads.py).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from training.finetune import seed_everything


@dataclass
class ContrastiveConfig:
    iterations: int = 20  # positive and negative pairs drawn per example
    epochs: int = 1
    batch_size: int = 16
    lr: float = 2e-5
    warmup: float = 0.1
    max_length: int = 64
    seed: int = 0
    device: str = "cpu"


def make_pairs(labels: list[str], iterations: int, seed: int) -> list[tuple[int, int, float]]:
    """For every example and iteration, one partner of the same label and one of another."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    pairs: list[tuple[int, int, float]] = []
    for _ in range(iterations):
        for i, label in enumerate(labels):
            same = by_label[label]
            pairs.append((i, rng.choice(same), 1.0))
            j = rng.randrange(len(labels))
            while labels[j] == label:
                j = rng.randrange(len(labels))
            pairs.append((i, j, 0.0))
    rng.shuffle(pairs)
    return pairs


def tune_contrastive(model_st, texts: list[str], labels: list[str], config: ContrastiveConfig) -> float:
    """Tune `model_st` (a SentenceTransformer) in place; returns the seconds it took."""
    seed_everything(config.seed)
    device = torch.device(config.device)
    model_st.to(device)
    model_st.train()
    tokenizer = model_st.tokenizer
    pairs = make_pairs(labels, config.iterations, config.seed)
    steps = math.ceil(len(pairs) / config.batch_size) * config.epochs
    optimizer = torch.optim.AdamW(model_st.parameters(), lr=config.lr)
    warmup = max(1, int(steps * config.warmup))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: (s + 1) / warmup if s < warmup else max(0.0, (steps - s) / max(1, steps - warmup)),
    )
    began = time.perf_counter()
    bar = tqdm(total=steps, desc="contrastive pairs", leave=False)
    for epoch in range(config.epochs):
        order = pairs if epoch == 0 else random.Random(config.seed + epoch).sample(pairs, len(pairs))
        for begin in range(0, len(order), config.batch_size):
            batch = order[begin : begin + config.batch_size]
            a = _embed(model_st, tokenizer, [texts[p[0]] for p in batch], config.max_length, device)
            b = _embed(model_st, tokenizer, [texts[p[1]] for p in batch], config.max_length, device)
            target = torch.tensor([p[2] for p in batch], device=device)
            loss = nn.functional.mse_loss(nn.functional.cosine_similarity(a, b), target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.4f}")
    bar.close()
    model_st.eval()
    return round(time.perf_counter() - began, 1)


def _embed(model_st, tokenizer, texts: list[str], max_length: int, device: torch.device) -> torch.Tensor:
    features = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return model_st({k: v.to(device) for k, v in features.items()})["sentence_embedding"]
