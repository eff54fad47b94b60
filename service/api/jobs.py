"""GET /v1/jobs and GET /v1/jobs/{id}: background work (re-embedding, cluster refresh, CSV
uploads) and its progress."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from service.api.errors import refusals
from service.api.ids import JobId
from service.auth.guard import READ
from service.deps import StateDep
from service.jobs.registry import Job
from service.schemas import JobOut

router = APIRouter(prefix="/v1", tags=["jobs"])


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        total=job.total,
        done=job.done,
        progress=round(job.done / job.total, 4) if job.total else 1.0,
        error=job.error,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result=job.result,
    )


@router.get("/jobs", dependencies=[READ], response_model=list[JobOut])
def list_jobs(state: StateDep) -> list[JobOut]:
    return [job_out(j) for j in state.jobs.all()]


@router.get("/jobs/{job_id}", dependencies=[READ], response_model=JobOut, responses=refusals(404))
def get_job(job_id: JobId, state: StateDep) -> JobOut:
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id}")
    return job_out(job)
