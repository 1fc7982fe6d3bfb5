"""JSON routes for jobs: progress, result, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session

from mobilize.edge.context import Context, CurrentActor, audited
from mobilize.edge.problems import problem_responses
from mobilize.jobs.access import require_may_cancel, require_may_see
from mobilize.jobs.schemas import JobOut, job_out

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/{job_id}", response_model=JobOut, responses=problem_responses(401, 403, 404, 422))
def read_job(job_id: JobId, ctx: Context, actor: CurrentActor) -> JobOut:
    """A job's status and progress (level, elapsed, objective, bound) and, when done, result."""

    def work(session: Session) -> JobOut:
        job = ctx.queue.progress(session, job_id)
        require_may_see(session, actor, job)
        return job_out(job)

    return audited(ctx, actor, "job.read", ("job", str(job_id)), work)


@router.post(
    "/{job_id}/cancel", response_model=JobOut, responses=problem_responses(401, 403, 404, 409, 422)
)
def cancel_job(job_id: JobId, ctx: Context, actor: CurrentActor) -> JobOut:
    """Cancel a job (its requester or a planner of its operation): a queued job at once, a
    running solve at its next solution or level, keeping the best plan found."""

    def work(session: Session) -> JobOut:
        require_may_cancel(session, actor, ctx.queue.progress(session, job_id))
        return job_out(ctx.queue.cancel(session, ctx.audit_key, job_id, actor.username))

    return audited(ctx, actor, "job.cancel", ("job", str(job_id)), work)
