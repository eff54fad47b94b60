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
from service.schemas import TaxonomySummary

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
    response_model=TaxonomySummary,
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
async def post_taxonomy(request: Request, state: StateDep) -> TaxonomySummary:
    """Add or replace a taxonomy (YAML or JSON body); it is validated, stored and usable at once.
    A malformed one is refused with a message that names the bad field."""
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
    return summary(taxonomy, "api")
