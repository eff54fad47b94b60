"""POST /v1/uploads: a CSV file analysed and stored in the background; follow /v1/jobs/{id}."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile, status
from starlette.concurrency import run_in_threadpool

from service.api.errors import refusals
from service.api.jobs import job_out
from service.auth.guard import INGEST
from service.deps import StateDep
from service.domain.taxonomies import UnknownTaxonomy
from service.jobs.upload import Columns, UploadError, parse_upload, upload_work
from service.schemas import JobOut

router = APIRouter(prefix="/v1", tags=["uploads"])


def _blank_is_none(value: str | None) -> str | None:
    """An HTML form sends an empty string for a field left blank."""
    return value.strip() or None if value is not None else None


@router.post(
    "/uploads",
    dependencies=[INGEST],
    response_model=JobOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=refusals(
        403,
        413,
        422,
        e403="posted by a page of another site",
        e413="file too large",
        e422="the file cannot be used",
    ),
)
async def upload(
    request: Request,
    state: StateDep,
    file: Annotated[UploadFile, File(description="CSV, UTF-8, with a header row")],
    text_col: Annotated[str, Form(min_length=1, max_length=200, description="column holding the comment")],
    id_col: Annotated[str | None, Form(max_length=200, description="column holding your id")] = None,
    time_col: Annotated[str | None, Form(max_length=200, description="column holding the time")] = None,
    source_col: Annotated[str | None, Form(max_length=200, description="column naming the source")] = None,
    source: Annotated[
        str, Form(max_length=100, description="source when there is no source column")
    ] = "upload",
    taxonomy: Annotated[str | None, Form(max_length=64)] = None,
) -> JobOut:
    """Checks the file at once (422 says what to fix), then analyses and stores its rows in the
    background like POST /v1/comments; the job's `result` counts created, duplicate and invalid
    rows, with the first errors by row number."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        # a multipart form is the one request another site's page can send here without asking
        # first (no CORS preflight): refuse it, as the web UI always posts from this origin
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"uploads from another site ({origin}) are refused")
    limit = state.settings.upload_max_bytes
    data = await file.read(limit + 1)
    name = file.filename or "upload.csv"
    if len(data) > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{name} is larger than {limit} bytes (MOT_UPLOAD_MAX_BYTES): split it into smaller files",
        )
    try:
        tax = state.taxonomies.get(_blank_is_none(taxonomy))
    except UnknownTaxonomy as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.args[0]) from exc
    columns = Columns(
        text=text_col.strip(),
        id=_blank_is_none(id_col),
        time=_blank_is_none(time_col),
        source=_blank_is_none(source_col),
    )
    try:  # parsing a large file takes a moment: keep it off the event loop
        parsed = await run_in_threadpool(
            parse_upload,
            data,
            name,
            columns,
            _blank_is_none(source) or "upload",
            state.settings.upload_max_rows,
        )
    except UploadError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    job = state.jobs.start("upload", upload_work(state, parsed, tax, name), exclusive=False)
    return job_out(job)
