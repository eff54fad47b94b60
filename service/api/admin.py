"""GET /v1/model: the model in service. POST /v1/admin/model: swap in another bundle, live.

The new analyzer is built beside the old one and replaces it in one assignment; requests that
began on the old one finish on it, so no request is dropped. A bundle that fails to load or does
not fit the encoder is refused and the old model keeps serving.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, HTTPException, status

from models.bundle import CARD, BundleError
from models.pipeline import Analyzer
from service.api.errors import refusals
from service.auth.guard import ADMIN, READ
from service.deps import StateDep
from service.jobs.reembed import stale_count
from service.runtime import build_analyzer, open_bundle
from service.schemas import ModelInfo, SwapRequest
from service.state import AppState

router = APIRouter(prefix="/v1", tags=["model"])
log = logging.getLogger("mot")


def model_info(analyzer: Analyzer, state: AppState) -> ModelInfo:
    bundle = analyzer.bundle
    card = None
    if bundle is not None and bundle.path is not None and (bundle.path / CARD).is_file():
        card = (bundle.path / CARD).read_text(encoding="utf-8")
    return ModelInfo(
        model_version=analyzer.model_version,
        encoder=analyzer.encoder.version,
        bundle=bundle.manifest() if bundle else None,
        card=card,
        stale_embeddings=stale_count(state.sessions, analyzer.encoder.version),
    )


@router.get("/model", dependencies=[READ], response_model=ModelInfo)
def get_model(state: StateDep) -> ModelInfo:
    return model_info(state.analyzer, state)


@router.post(
    "/admin/model",
    dependencies=[ADMIN],
    response_model=ModelInfo,
    responses=refusals(
        409, 422, e409="another swap is under way", e422="bundle refused, the old one keeps serving"
    ),
)
def swap_model(body: SwapRequest, state: StateDep) -> ModelInfo:
    """Load the bundle at `bundle` (a folder on the server) and serve it from now on."""
    if not state.swap_lock.acquire(blocking=False):
        raise HTTPException(
            status.HTTP_409_CONFLICT, "another model swap is under way: try again when it ends"
        )
    try:
        analyzer = swap_bundle(state, Path(body.bundle))
    except (BundleError, ValueError, OSError) as exc:
        log.warning("bundle %s refused: %s", body.bundle, exc)
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"bundle refused, the old model keeps serving: {exc}"
        ) from exc
    finally:
        state.swap_lock.release()
    return model_info(analyzer, state)


def swap_bundle(state: AppState, path: Path) -> Analyzer:
    bundle = open_bundle(path, state.settings)
    assert bundle is not None
    analyzer = build_analyzer(state.settings, bundle, reuse=state.analyzer)
    if bundle.taxonomy is not None:
        analyzer.classifier(bundle.taxonomy)  # build the classifier before taking traffic
        state.taxonomies.use_bundle(bundle.taxonomy)
    analyzer.classifier(state.taxonomies.get(None))
    old = state.analyzer
    state.analyzer = analyzer
    state.metrics.set_model(analyzer.model_version, analyzer.encoder.version)
    log.info("model swapped: %s -> %s", old.model_version, analyzer.model_version)
    state.warm_taxonomies()
    if analyzer.encoder.version != old.encoder.version:
        state.start_reembedding()  # stored vectors of the old encoder must not mix with new ones
    return analyzer
