"""Build the analyzer from settings: shared by the server and the batch commands."""

from __future__ import annotations

from models.encoder import Encoder
from models.pipeline import Analyzer
from models.redact import Redactor
from models.sentiment import DEFAULT_HEAD_DIR, SentimentHead
from service.settings import Settings


def build_analyzer(settings: Settings) -> Analyzer:
    encoder = Encoder(settings.encoder_path, device=settings.device, batch_size=settings.encode_batch_size)
    return Analyzer(
        encoder,
        SentimentHead.load(settings.sentiment_head_path or DEFAULT_HEAD_DIR),
        Redactor(set(settings.redact_kinds), settings.phone_region) if settings.redact else None,
        min_confidence=settings.min_confidence,
        max_touchpoints=settings.max_touchpoints,
    )
