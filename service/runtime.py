"""Build the analyzer from settings (and a model bundle): shared by the server and batch commands."""

from __future__ import annotations

from pathlib import Path

from models.bundle import Bundle, BundleError, load_bundle
from models.encoder import Encoder
from models.pipeline import Analyzer
from models.redact import Redactor
from models.sentiment import DEFAULT_HEAD_DIR, SentimentHead
from service.settings import Settings


def build_analyzer(
    settings: Settings, bundle: Bundle | None = None, reuse: Analyzer | None = None
) -> Analyzer:
    """`reuse`: an analyzer whose encoder is kept when the bundle needs that same encoder, so that
    swapping heads costs no model load."""
    bundle = bundle if bundle is not None else open_bundle(settings.model_bundle, settings)
    if bundle is not None and bundle.encoder_path is not None:
        encoder = Encoder(bundle.encoder_path, device=settings.device, batch_size=settings.encode_batch_size)
    elif reuse is not None and reuse.encoder_is_stock:
        encoder = reuse.encoder
    else:
        encoder = Encoder(
            settings.encoder_path, device=settings.device, batch_size=settings.encode_batch_size
        )
    if bundle is not None and "sentiment" in bundle.heads:
        sentiment = SentimentHead(bundle.heads["sentiment"], bundle.version)
    else:
        sentiment = SentimentHead.load(settings.sentiment_head_path or DEFAULT_HEAD_DIR)
    return Analyzer(
        encoder,
        sentiment,
        redactor(settings) if settings.redact else None,
        bundle=bundle,
        min_confidence=settings.min_confidence,
        max_touchpoints=settings.max_touchpoints,
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
