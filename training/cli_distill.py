"""`mot distill` behind the command line: unlabelled comments in, a bundle with the student as its
encoder out. Bad input ends with one line that says what to fix."""

from __future__ import annotations

from pathlib import Path

import typer

from models.bundle import ENCODER_DIR, Bundle, save_bundle
from models.embedding_cache import EmbeddingCache
from models.encoder import Encoder, open_encoder, preset_path
from models.normalize import normalize
from models.records import RecordsError, read_records
from models.redact import Redactor
from models.sentiment import SentimentHead, head_dir_for
from service.settings import Settings
from training.card import model_card
from training.distill import DistillConfig, distill
from training.labelled import slug


def read_texts(path: Path, text_col: str, limit: int | None) -> list[str]:
    """The non-empty texts of a CSV or JSONL file's column, redacted as the service would."""
    try:
        records = read_records(path).rows
    except RecordsError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if text_col not in records[0]:
        raise typer.BadParameter(f"{path.name} has no column {text_col!r}; it has {sorted(records[0])}")
    redactor = Redactor()
    texts = [redactor(normalize(str(r.get(text_col) or ""))).text for r in records]
    texts = [t for t in texts if t]
    if len(texts) < 20:
        raise typer.BadParameter(f"{path.name} has {len(texts)} texts: a student needs hundreds at least")
    return texts[:limit] if limit else texts


def run_distill(
    *,
    settings: Settings,
    teacher: str,
    student: str,
    data: Path,
    text_col: str,
    out: Path,
    config: DistillConfig,
    limit: int | None,
    command: str,
) -> Bundle:
    if (out / "manifest.json").exists():
        raise typer.BadParameter(f"{out} already holds a bundle: choose another --out or remove it")
    texts = read_texts(data, text_col, limit)
    say = lambda m: typer.echo(m, err=True)  # noqa: E731
    try:
        student_path = preset_path(student, settings.models_dir)
        teacher_encoder = open_encoder(
            teacher,
            models_dir=settings.models_dir,
            device=config.device,
            cache=EmbeddingCache(settings.embedding_cache_dir) if settings.embedding_cache_dir else None,
        )
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    encoder_dir = out / ENCODER_DIR
    result = distill(teacher_encoder, student_path, texts, encoder_dir, config, say)
    student_encoder = Encoder(encoder_dir, device=config.device, dtype="auto")
    heads = {}
    head_dir = head_dir_for(teacher_encoder.preset)
    if (head_dir / "head.safetensors").is_file():
        # the student speaks the teacher's space: the teacher's sentiment head applies as it is
        teacher_head = SentimentHead.load(head_dir)
        if teacher_head.dim == student_encoder.dim:
            heads["sentiment"] = teacher_head.head
    if not heads:
        raise typer.BadParameter(
            f"no sentiment head of the teacher in {head_dir} to carry over: train one first "
            f"(`python -m training.train_sentiment --encoder {teacher}`)"
        )
    bundle = Bundle(
        name=slug(out.resolve().name),
        mode="distill",
        encoder_version=student_encoder.version,
        heads=heads,
        encoder_path=encoder_dir,
        # a small student is fastest in bf16 where the hardware has it (cosine to float32 > 0.999)
        encoder_run={"dtype": "auto"},
        metrics={
            "distill": {
                "teacher": teacher_encoder.version,
                "student": student,
                "valid_cosine": result.valid_cosine,
                "start_cosine": result.start_cosine,
                "best_epoch": result.best_epoch,
            },
            "training_seconds": round(result.seconds, 1),
            "history": [],
        },
        settings={"mode": "distill", **{k: v for k, v in vars(config).items()}},
        data={"file": str(data), "examples": len(texts), "train": len(texts), "validation": 0},
    )
    card = model_card(bundle, command=command)
    card += (
        f"\n\n## Distillation\n\nStudent `{student}` taught to reproduce teacher `{teacher_encoder.version}` "
        f"on {len(texts)} unlabelled comments; mean cosine to the teacher on held-out comments "
        f"{result.start_cosine} before, {result.valid_cosine} after (epoch {result.best_epoch}). "
        "The sentiment head is the teacher's, carried over. Train touchpoint heads on the student "
        f"with `mot train --bundle {out} ...`.\n"
    )
    save_bundle(bundle, out, card)
    say(f"bundle {bundle.version} written to {out} in {round(result.seconds, 1)} s")
    return bundle
