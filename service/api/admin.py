"""GET /v1/model: the model in service. POST /v1/admin/model: swap in another bundle, live.

The new analyzer is built beside the old one and replaces it in one assignment; requests that
began on the old one finish on it, so no request is dropped. A bundle that fails to load or does
not fit the encoder is refused and the old model keeps serving.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, HTTPException, status

from models.bundle import BundleError
from service.api.errors import refusals
from service.auth.guard import ADMIN, READ
from service.deps import StateDep
from service.domain.model_info import model_info
from service.domain.taxonomies import UnknownTaxonomy
from service.jobs.registry import job_out
from service.schemas import AdaptRequest, JobOut, ModelInfo, SwapRequest

router = APIRouter(prefix="/v1", tags=["model"])
log = logging.getLogger("mot")


@router.get("/model", dependencies=[READ], response_model=ModelInfo)
def get_model(state: StateDep) -> ModelInfo:
    return model_info(state.analyzer, state.sessions)


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
        analyzer = state.swap_bundle(Path(body.bundle))
    except (BundleError, ValueError, OSError) as exc:
        log.warning("bundle %s refused: %s", body.bundle, exc)
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"bundle refused, the old model keeps serving: {exc}"
        ) from exc
    finally:
        state.swap_lock.release()
    return model_info(analyzer, state.sessions)


@router.post(
    "/admin/adapt",
    dependencies=[ADMIN],
    response_model=JobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=refusals(404, e404="no such taxonomy"),
)
def start_adaptation(body: AdaptRequest, state: StateDep) -> JobOut:
    """Adapt a taxonomy to its stored comments, in the background: a head fitted on the zero-shot
    scorer's confident predictions (analysts' corrections outrank them), served only when it
    passes its checks. Follow the job at /v1/jobs/{id}: its `result` has the checks, the reasons
    for a refusal, the bundle written and the model version serving."""
    try:
        taxonomy = state.taxonomies.get(body.taxonomy)
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.args[0]) from exc
    return job_out(state.start_adaptation(taxonomy))
