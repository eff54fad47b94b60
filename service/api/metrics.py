"""GET /metrics: the app's Prometheus metrics (see service/telemetry/metrics.py for what each means)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from service.auth.guard import READ
from service.telemetry.metrics import CONTENT_TYPE, Metrics

router = APIRouter(tags=["health"])


@router.get("/metrics", dependencies=[READ], response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text format."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE)
