"""`mot train`: labelled comments in, a model bundle out. Three modes, one flag apart:

- head: linear heads on the frozen encoder (seconds on a CPU; the default);
- fewshot: SetFit-style contrastive tuning of the encoder on pairs, then heads;
- finetune: the encoder and all heads trained together (multi-task cross-entropy).

Texts are normalised and redacted exactly as the service does before it embeds them, so the
heads see at training time the same embeddings they will see in service.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from tqdm.auto import tqdm

from models.bundle import ENCODER_DIR, Bundle, save_bundle
from models.embedding_cache import EmbeddingCache
from models.encoder import Encoder, open_encoder, preset_path
from models.heads import LinearHead
from models.normalize import normalize
from models.redact import Redactor
from models.sentiment import LABELS as SENTIMENTS
from models.taxonomy import Taxonomy
from training.card import model_card
from training.contrastive import ContrastiveConfig, tune_contrastive
from training.finetune import FinetuneConfig, Task, finetune
from training.heads import calibrate, fit_linear_head, with_temperature
from training.labelled import LabelledSet, taxonomy_words

Mode = Literal["head", "fewshot", "finetune"]
HEADS = ("touchpoint", "stage", "sentiment")


@dataclass
class TrainOptions:
    name: str
    mode: Mode = "head"
    valid_share: float = 0.1
    seed: int = 0
    c_grid: tuple[float, ...] = (3.0, 10.0, 30.0)
    taxonomy_words: bool = True  # train the touchpoint head on each touchpoint's name too
    encoder: str | None = None  # a preset (`mot encoders list`) or a model folder; default minilm
    encoder_dim: int | None = None  # Matryoshka dimensions kept
    models_dir: Path | None = None  # where presets are installed (MOT_MODELS_DIR)
    cache_dir: Path | None = None  # embedding cache (MOT_EMBEDDING_CACHE_DIR); None: none
    base: Bundle | None = None  # head mode on this bundle's own encoder (a distilled student)
    device: str = "cpu"
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    contrastive: ContrastiveConfig = field(default_factory=ContrastiveConfig)


def train_bundle(
    labelled: LabelledSet,
    taxonomy: Taxonomy | None,
    options: TrainOptions,
    out: Path,
    *,
    command: str = "",
    say: Callable[[str], None] = print,
) -> Bundle:
    began = time.perf_counter()
    heads = [h for h in HEADS if labelled.has(h)]
    train_index, valid_index = stratified_split(labelled, heads[0], options.valid_share, options.seed)
    say(
        f"{len(labelled)} examples: {len(train_index)} to train, {len(valid_index)} to validate; heads {heads}"
    )
    data = {
        "file": labelled.source,
        "examples": len(labelled),
        "train": len(train_index),
        "validation": len(valid_index),
        "labels": {h: _counts(labelled.column(h)) for h in heads},
    }
    if options.taxonomy_words and taxonomy is not None and labelled.has("touchpoint"):
        words = taxonomy_words(labelled, taxonomy)  # training rows only: validation stays the file's
        train_index += range(len(labelled), len(labelled) + len(words))
        labelled = labelled.extended(words)
        data["taxonomy_words"] = len(words)
        say(f"the taxonomy's touchpoint names add {len(words)} training examples")
    redactor = Redactor()
    texts = [redactor(normalize(t)).text for t in labelled.texts]
    out.mkdir(parents=True, exist_ok=True)
    encoder_dir = out / ENCODER_DIR
    history: list[dict[str, float]] = []

    cache = EmbeddingCache(options.cache_dir) if options.cache_dir else None
    if options.mode == "head" and options.base is not None and options.base.encoder_path is not None:
        shutil.copytree(options.base.encoder_path, encoder_dir, dirs_exist_ok=True)
        dtype = options.base.encoder_run.get("dtype", "float32")
        encoder = Encoder(encoder_dir, device=options.device, cache=cache, dtype=dtype)
        fitted, metrics = _fit_heads(encoder, texts, labelled, heads, train_index, valid_index, options, say)
        for name, head in options.base.heads.items():  # what this file does not retrain is kept
            fitted.setdefault(name, head)
    elif options.mode == "head":
        encoder = open_encoder(
            options.encoder,
            models_dir=options.models_dir,
            device=options.device,
            dim=options.encoder_dim,
            cache=cache,
        )
        fitted, metrics = _fit_heads(encoder, texts, labelled, heads, train_index, valid_index, options, say)
    else:
        model = _load_trainable(options)
        if options.mode == "fewshot":
            primary = [labelled.column(heads[0])[i] for i in train_index]
            keep = [i for i, label in zip(train_index, primary) if label is not None]
            config = options.contrastive
            say(
                f"contrastive tuning on {len(keep)} examples, {config.iterations} pairs of each kind per example"
            )
            tune_contrastive(
                model, [texts[i] for i in keep], [labelled.column(heads[0])[i] for i in keep], config
            )
            model.save(str(encoder_dir))
            encoder = Encoder(encoder_dir, device=options.device)
            fitted, metrics = _fit_heads(
                encoder, texts, labelled, heads, train_index, valid_index, options, say
            )
        else:
            tasks = {h: _labels(labelled, h) for h in heads}
            result = finetune(
                model,
                [texts[i] for i in train_index],
                [_task(labelled, h, tasks[h], train_index) for h in heads],
                [texts[i] for i in valid_index],
                [_task(labelled, h, tasks[h], valid_index) for h in heads],
                options.finetune,
                run_dir=out / ".run",
                progress=say,
            )
            history = result.history
            model.save(str(encoder_dir))
            encoder = Encoder(encoder_dir, device=options.device)
            valid_emb = encoder.encode([texts[i] for i in valid_index]).sentences
            fitted, metrics = {}, {}
            for h in heads:
                truth = [labelled.column(h)[i] for i in valid_index]
                fitted[h], temperature = calibrate(result.heads[h], valid_emb, truth)
                metrics[h] = {**_score(fitted[h], valid_emb, truth), "temperature": temperature}
            shutil.rmtree(out / ".run", ignore_errors=True)  # the checkpoints are only for resuming

    seconds = round(time.perf_counter() - began, 1)
    bundle = Bundle(
        name=options.name,
        mode=options.mode,
        encoder_version=encoder.version,
        heads=fitted,
        taxonomy=taxonomy if "touchpoint" in fitted else None,
        encoder_path=encoder_dir if options.mode != "head" or options.base is not None else None,
        encoder_run=(
            options.base.encoder_run
            if options.base is not None
            else encoder.run_config()
            if options.mode == "head"
            else {}
        ),
        metrics={"validation": metrics, "training_seconds": seconds, "history": history},
        settings=_settings(options),
        data=data,
    )
    card = model_card(bundle, command=command)
    save_bundle(bundle, out, card)
    say(f"bundle {bundle.version} written to {out} in {seconds} s")
    return bundle


def stratified_split(
    labelled: LabelledSet, head: str, share: float, seed: int
) -> tuple[list[int], list[int]]:
    """Hold out `share` of each label (at least one of every label with two or more examples)."""
    rng = random.Random(seed)
    groups: dict[str | None, list[int]] = {}
    for i, label in enumerate(labelled.column(head)):
        groups.setdefault(label, []).append(i)
    valid: list[int] = []
    for label in sorted(groups, key=str):
        members = groups[label]
        rng.shuffle(members)
        if len(members) >= 2 and share > 0:
            valid += members[: max(1, round(len(members) * share))]
    held = set(valid)
    return [i for i in range(len(labelled)) if i not in held], sorted(valid)


def _fit_heads(
    encoder: Encoder,
    texts: list[str],
    labelled: LabelledSet,
    heads: list[str],
    train_index: list[int],
    valid_index: list[int],
    options: TrainOptions,
    say: Callable[[str], None],
) -> tuple[dict[str, LinearHead], dict[str, dict[str, float]]]:
    """Pick the regularisation and a temperature on the validation split, then refit on every
    example. Without the temperature a head fitted on a few examples per label is so unsure that
    the service's `min_confidence` drops most of its answers."""
    say(f"embedding {len(texts)} texts with {encoder.version}")
    with tqdm(total=len(texts), desc="embed", unit="text") as bar:  # cached texts count at once
        embeddings = encoder.encode(texts, progress=lambda done, _: bar.update(done - bar.n)).sentences
    fitted, metrics = {}, {}
    for head in heads:
        labels = labelled.column(head)
        order = _labels(labelled, head)
        train = [i for i in train_index if labels[i] is not None]
        valid = [i for i in valid_index if labels[i] is not None]
        truth = [labels[i] for i in valid]
        best: tuple[float, float, dict[str, float], LinearHead | None] = (-1.0, options.c_grid[0], {}, None)
        for c in options.c_grid if valid else options.c_grid[:1]:
            candidate = fit_linear_head(
                embeddings[train], [labels[i] for i in train], c=c, seed=options.seed, order=order
            )
            scores = _score(candidate, embeddings[valid], truth) if valid else {}
            if scores.get("accuracy", 0.0) > best[0]:
                best = (scores.get("accuracy", 0.0), c, scores, candidate)
        temperature = calibrate(best[3], embeddings[valid], truth)[1] if valid and best[3] else 1.0
        everything = [i for i in range(len(texts)) if labels[i] is not None]
        refit = fit_linear_head(
            embeddings[everything], [labels[i] for i in everything], c=best[1], seed=options.seed, order=order
        )
        fitted[head] = with_temperature(refit, temperature)
        metrics[head] = {**best[2], "c": best[1], "temperature": temperature}
        say(f"{head}: validation {best[2]} with C={best[1]}, temperature {temperature}")
    return fitted, metrics


def _score(head: LinearHead, embeddings: np.ndarray, truth: list[str | None]) -> dict[str, float]:
    if not len(truth):
        return {}
    predicted = [head.labels[i] for i in head.probabilities(embeddings).argmax(axis=1)]
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
        "n": len(truth),
    }


def _labels(labelled: LabelledSet, head: str) -> list[str]:
    present = {v for v in labelled.column(head) if v is not None}
    if head == "sentiment":
        return list(SENTIMENTS)  # the service expects all three, in this order
    return sorted(present)


def _task(labelled: LabelledSet, head: str, labels: list[str], index: list[int]) -> Task:
    position = {label: i for i, label in enumerate(labels)}
    column = labelled.column(head)
    return Task(head, labels, [position[column[i]] if column[i] is not None else -1 for i in index])


def _counts(values: list[str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    return dict(sorted(counts.items()))


def _load_trainable(options: TrainOptions):
    from sentence_transformers import SentenceTransformer

    path = preset_path(options.encoder, options.models_dir)
    return SentenceTransformer(  # safetensors only: never unpickle weights
        str(path), device=options.device, local_files_only=True, model_kwargs={"use_safetensors": True}
    )


def _settings(options: TrainOptions) -> dict[str, object]:
    settings: dict[str, object] = {
        "mode": options.mode,
        "seed": options.seed,
        "valid_share": options.valid_share,
        "device": options.device,
        "encoder": options.encoder or "minilm",
    }
    if options.mode == "head" or options.mode == "fewshot":
        settings["c_grid"] = list(options.c_grid)
    settings["taxonomy_words"] = options.taxonomy_words
    if options.mode == "fewshot":
        settings["contrastive"] = asdict(options.contrastive)
    if options.mode == "finetune":
        settings["finetune"] = asdict(options.finetune)
    return settings
