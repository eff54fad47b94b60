"""An analysis as the API returns it: rounded, in the public result shape. Shared by
/v1/analyze, /v1/comments and the upload job."""

from __future__ import annotations

from models.pipeline import Analysis
from service.schemas import ResultOut, SentimentOut, TouchpointOut


def to_result(item_id: str | None, analysis: Analysis) -> ResultOut:
    return ResultOut(
        id=item_id,
        stage={"label": analysis.stage.label, "confidence": round(analysis.stage.confidence, 4)},
        touchpoints=[
            TouchpointOut(
                label=m.label,
                stage=m.stage,
                confidence=round(m.confidence, 4),
                sentiment=SentimentOut(
                    label=m.sentiment.label,
                    score=round(m.sentiment.score, 4),
                    confidence=round(m.sentiment.confidence, 4),
                ),
                evidence=m.evidence,
                span=(m.start, m.end),
            )
            for m in analysis.touchpoints
        ],
        sentiment=SentimentOut(
            label=analysis.sentiment.label,
            score=round(analysis.sentiment.score, 4),
            confidence=round(analysis.sentiment.confidence, 4),
        ),
        text=analysis.text,
        redactions=analysis.redactions,
        language=analysis.language,
        warnings=analysis.warnings,
    )
