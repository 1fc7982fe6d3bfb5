"""Who may see and cancel a job: the same rules for the JSON API and the web pages.

A job belongs to the operation it works on. Its requester and any reader of that operation may
follow it; its requester and the operation's planners may cancel it (cancelling throws away
the rest of someone's solve, so reading the operation is not enough).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mobilize.auth.service import Actor
from mobilize.core.errors import Forbidden
from mobilize.jobs.models import JobRecord
from mobilize.operations.access import may_read, require_planner
from mobilize.operations.models import Operation
from mobilize.operations.service import find_operation


def job_operation(session: Session, job: JobRecord) -> Operation:
    return find_operation(session, str(job.params.get("operation")))


def require_may_see(session: Session, actor: Actor, job: JobRecord) -> None:
    if job.requested_by == actor.username:
        return
    if not may_read(session, actor, job_operation(session, job)):
        raise Forbidden(f"{actor.username} may not see job {job.id}")


def require_may_cancel(session: Session, actor: Actor, job: JobRecord) -> None:
    if job.requested_by == actor.username:
        return
    require_planner(session, actor, job_operation(session, job), f"cancel job {job.id}")
