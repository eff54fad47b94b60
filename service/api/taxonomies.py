"""GET /v1/taxonomies, GET /v1/taxonomies/{name}, POST /v1/taxonomies (YAML or JSON)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from models.taxonomy import TaxonomyError, parse_taxonomy
from service.api.errors import refusals
from service.auth.guard import ADMIN, READ
from service.deps import StateDep
from service.domain.taxonomies import UnknownTaxonomy
from service.domain.taxonomy_check import check_with_stored
from service.schemas import TaxonomyCheck, TaxonomyCreated, TaxonomySummary

router = APIRouter(prefix="/v1", tags=["taxonomies"])


def summary(taxonomy, origin) -> TaxonomySummary:  # type: ignore[no-untyped-def]
    return TaxonomySummary(
        name=taxonomy.name,
        version=taxonomy.version,
        description=taxonomy.description,
        origin=origin,
        stages=taxonomy.stage_ids,
        touchpoints=[tp.id for tp in taxonomy.touchpoints],
    )


@router.get("/taxonomies", dependencies=[READ], response_model=list[TaxonomySummary])
def list_taxonomies(state: StateDep) -> list[TaxonomySummary]:
    return [summary(t, origin) for t, origin in state.taxonomies.items()]


@router.get(
    "/taxonomies/{name}", dependencies=[READ], response_class=PlainTextResponse, responses=refusals(404)
)
def get_taxonomy(name: str, state: StateDep) -> str:
    """The taxonomy as YAML."""
    try:
        return state.taxonomies.get(name).to_yaml()
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.args[0]) from exc


@router.post(
    "/taxonomies",
    dependencies=[ADMIN],
    response_model=TaxonomyCreated,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
            "required": True,
        }
    },
)
async def post_taxonomy(request: Request, state: StateDep) -> TaxonomyCreated:
    """Add or replace a taxonomy (YAML or JSON body); it is validated, stored and usable at once.
    A malformed one is refused with a message that names the bad field. The answer carries the
    taxonomy's check (what to fix) when its phrases were embedded before answering."""
    raw = await request.body()
    if len(raw) > state.settings.max_taxonomy_bytes:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"taxonomy is {len(raw)} bytes; the limit is {state.settings.max_taxonomy_bytes} "
            "(MOT_MAX_TAXONOMY_BYTES)",
        )
    try:
        taxonomy = parse_taxonomy(raw.decode("utf-8"))
        await run_in_threadpool(state.register_taxonomy, taxonomy)
    except UnicodeDecodeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "taxonomy must be UTF-8 text") from exc
    except (TaxonomyError, ValueError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"invalid taxonomy: {exc}") from exc
    check = None
    if state.analyzer.is_ready(taxonomy):
        check = await run_in_threadpool(taxonomy_check, state, taxonomy)
    return TaxonomyCreated(**summary(taxonomy, "api").model_dump(), check=check)


@router.get(
    "/taxonomies/{name}/check",
    dependencies=[READ],
    response_model=TaxonomyCheck,
    responses=refusals(404, 409, e409="the taxonomy's phrases are still being embedded"),
)
def get_taxonomy_check(name: str, state: StateDep) -> TaxonomyCheck:
    """What to fix in the taxonomy: touchpoints the encoder can hardly tell apart, touchpoints that
    never win on the latest stored comments (MOT_TAXONOMY_CHECK_SAMPLE), the share of the largest,
    stages without touchpoints, touchpoints with too few example phrases."""
    try:
        taxonomy = state.taxonomies.get(name)
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.args[0]) from exc
    if not state.analyzer.is_ready(taxonomy) and state.analyzer.uncached_phrase_count(taxonomy) > (
        state.settings.taxonomy_sync_phrases
    ):
        state.warmup.request(state.analyzer, taxonomy)
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"taxonomy {name!r} is still being embedded: retry shortly"
        )
    return taxonomy_check(state, taxonomy)


def taxonomy_check(state, taxonomy) -> TaxonomyCheck:  # type: ignore[no-untyped-def]
    report = check_with_stored(state.analyzer, taxonomy, state.sessions, state.settings.taxonomy_check_sample)
    return TaxonomyCheck.model_validate(report.to_dict())
