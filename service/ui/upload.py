"""Upload a CSV for analysis: the form (the page's script posts it to POST /v1/uploads and
follows the job), and the result of an upload once its job is done."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.auth.guard import PAGE
from service.deps import StateDep
from service.jobs.registry import job_out
from service.ui.i18n import locale_of
from service.ui.params import as_int
from service.ui.render import page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, state: StateDep, job: str | None = None) -> HTMLResponse:
    job_id = as_int(job)
    shown = state.jobs.get(job_id) if job_id is not None else None
    recent = [job_out(j) for j in state.jobs.all() if j.kind == "upload"][:10]
    return page(
        request,
        "upload.html",
        "upload",
        locale_of(request).gettext("Upload comments"),
        job=job_out(shown) if shown is not None and shown.kind == "upload" else None,
        recent=recent,
        taxonomies=sorted(t.name for t, _origin in state.taxonomies.items()),
        default_taxonomy=state.taxonomies.get(None).name,
        max_bytes=state.settings.upload_max_bytes,
        max_rows=state.settings.upload_max_rows,
    )
