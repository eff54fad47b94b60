"""GET /v1/jobs and GET /v1/jobs/{id}: background work (re-embedding, cluster refresh, CSV
uploads) and its progress."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from service.api.errors import refusals
from service.auth.guard import READ
from service.deps import StateDep
from service.jobs.registry import job_out
from service.schemas import JobOut
from service.web.ids import JobId

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.get("/jobs", dependencies=[READ], response_model=list[JobOut])
def list_jobs(state: StateDep) -> list[JobOut]:
    return [job_out(j) for j in state.jobs.all()]


@router.get("/jobs/{job_id}", dependencies=[READ], response_model=JobOut, responses=refusals(404))
def get_job(job_id: JobId, state: StateDep) -> JobOut:
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id}")
    return job_out(job)
