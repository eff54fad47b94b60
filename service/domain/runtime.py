"""Build the analyzer from settings (and a model bundle): shared by the server and batch commands."""

from __future__ import annotations

from pathlib import Path

from models.bundle import Bundle, BundleError, load_bundle
from models.embedding_cache import EmbeddingCache
from models.encoder import Encoder, open_encoder
from models.language import LanguageDetector
from models.pipeline import Analyzer
from models.redact import Redactor
from models.sentiment import SentimentHead, head_dir_for
from service.settings import Settings


def build_analyzer(
    settings: Settings, bundle: Bundle | None = None, reuse: Analyzer | None = None
) -> Analyzer:
    """`reuse`: an analyzer whose encoder is kept when the bundle needs that same encoder, so that
    swapping heads costs no model load."""
    bundle = bundle if bundle is not None else open_bundle(settings.model_bundle, settings)
    keep = (
        reuse is not None
        and reuse.encoder_is_stock
        and (
            bundle is None
            or (bundle.encoder_path is None and bundle.encoder_version == reuse.encoder.version)
        )
    )
    encoder = reuse.encoder if keep and reuse is not None else build_encoder(settings, bundle)
    if bundle is not None and "sentiment" in bundle.heads:
        sentiment = SentimentHead(bundle.heads["sentiment"], bundle.version)
    else:
        folder = settings.sentiment_head_path or head_dir_for(encoder.preset)
        if not (folder / "head.safetensors").is_file():
            raise FileNotFoundError(
                f"no sentiment head for encoder {encoder.version} in {folder}: train one with "
                f"`python -m training.train_sentiment --encoder {encoder.preset or encoder.path}` "
                "and point MOT_SENTIMENT_HEAD_PATH at it"
            )
        sentiment = SentimentHead.load(folder)
    return Analyzer(
        encoder,
        sentiment,
        redactor(settings) if settings.redact else None,
        bundle=bundle,
        min_confidence=settings.min_confidence,
        max_touchpoints=settings.max_touchpoints,
        language_detector=(
            LanguageDetector(settings.languages, settings.language_min_confidence)
            if settings.languages
            else None
        ),
    )


def build_encoder(settings: Settings, bundle: Bundle | None = None) -> Encoder:
    """The encoder the settings name, or the one a bundle was trained on: its own folder, or the
    preset (with its prompt and dimensions) that its manifest records."""
    cache = EmbeddingCache(settings.embedding_cache_dir) if settings.embedding_cache_dir else None
    run = bundle.encoder_run if bundle is not None else {}
    if bundle is not None and bundle.encoder_path is not None:
        return Encoder(
            bundle.encoder_path,
            device=settings.device,
            batch_size=settings.encode_batch_size,
            prompt=run.get("prompt"),
            dim=run.get("dim"),
            dtype=settings.encoder_dtype or run.get("dtype") or "float32",
            cache=cache,
            languages=settings.encoder_languages
            if settings.encoder_languages is not None
            else run.get("languages"),
        )
    chosen = settings.encoder_path is not None or "encoder" in settings.model_fields_set
    choice = settings.encoder_choice if chosen or not run.get("preset") else run["preset"]
    dim = settings.encoder_dim if settings.encoder_dim is not None else run.get("dim")
    prompt = run.get("prompt") if not chosen and run.get("preset") else None
    return open_encoder(
        choice,
        models_dir=settings.models_dir,
        device=settings.device,
        batch_size=settings.encode_batch_size,
        dim=dim,
        dtype=settings.encoder_dtype,
        prompt=prompt,
        cache=cache,
        languages=settings.encoder_languages,
    )


def redactor(settings: Settings) -> Redactor:
    kinds = set(settings.redact_kinds) if settings.redact_kinds is not None else None
    return Redactor(kinds, settings.phone_region, settings.redact_patterns)


def open_bundle(path: Path | None, settings: Settings) -> Bundle | None:
    if path is None:
        return None
    path = Path(path)
    if settings.bundle_root is not None:
        root = settings.bundle_root.resolve()
        if not path.is_absolute():
            path = root / path
        if not path.resolve().is_relative_to(root):
            raise BundleError(f"{path} is outside MOT_BUNDLE_ROOT ({root}): put the bundle there")
    return load_bundle(path)
