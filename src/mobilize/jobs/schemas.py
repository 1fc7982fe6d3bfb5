"""A job as the API shows it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from mobilize.jobs.models import JobRecord


class JobOut(BaseModel):
    id: int
    kind: str
    status: str
    params: dict[str, Any]
    progress: dict[str, Any] | None
    result: dict[str, Any] | None
    error: str | None
    requested_by: str


def job_out(job: JobRecord) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        params=job.params,
        progress=job.progress,
        result=job.result,
        error=job.error,
        requested_by=job.requested_by,
    )
