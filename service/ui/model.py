"""The model page: the bundle in service, its card and metrics, and the taxonomies known."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.auth.guard import PAGE
from service.deps import StateDep
from service.domain.model_info import model_info
from service.domain.taxonomy_check import check_with_stored
from service.ui.render import markdown, page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])


@router.get("/model", response_class=HTMLResponse)
def model_page(request: Request, state: StateDep) -> HTMLResponse:
    info = model_info(state.analyzer, state.sessions)
    bundle = info.bundle or {}
    return page(
        request,
        "model.html",
        "model",
        "Model",
        info=info,
        bundle=bundle,
        validation=(bundle.get("metrics") or {}).get("validation", {}),
        card=markdown(info.card) if info.card else None,
        redaction=sorted(state.analyzer.redactor.kinds) if state.analyzer.redactor else [],
        taxonomies=sorted(
            ((t.name, origin, len(t.stages), len(t.touchpoints)) for t, origin in state.taxonomies.items()),
        ),
        default_taxonomy=state.taxonomies.get(None).name,
        checks=[
            check_with_stored(state.analyzer, t, state.sessions, state.settings.taxonomy_check_sample)
            for t, _ in sorted(state.taxonomies.items(), key=lambda item: item[0].name)
            if state.analyzer.is_ready(t)
        ],
        settings=state.settings,
    )
