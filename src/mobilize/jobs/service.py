"""The job interface: submit, progress, result, cancel; and what a worker calls to run one.

Every call is a short transaction of its own, so a job's state is always in the database:
an API worker other than the one running the job reads the same progress, and a cancel
requested anywhere is seen by the runner at its next progress report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mobilize.audit.service import Entry, append
from mobilize.core.errors import NotFound, Refused, TooManyJobs
from mobilize.jobs.models import JobRecord

FINISHED = ("done", "failed", "cancelled")
ACTIVE = ("queued", "running")
# Starts of one job before it is failed: a job that took its worker down twice (out of
# memory, say) would take down every worker it is given.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class FairUse:
    """Solves queued or running at once: a planner cannot fill the workers for everyone."""

    per_user: int = 2
    per_operation: int = 4


def check_fair_use(session: Session, fair_use: FairUse, params: dict[str, Any], actor: str) -> None:
    """Refuse (429, with when to retry) a job past the user's or the operation's share."""
    active = session.scalars(select(JobRecord).where(JobRecord.status.in_(ACTIVE))).all()
    mine = [job for job in active if job.requested_by == actor]
    if len(mine) >= fair_use.per_user:
        raise TooManyJobs(
            f"{actor} has {len(mine)} solves queued or running, as many as one user may; "
            "wait for one to finish or cancel one",
            _retry_after(mine),
        )
    operation = params.get("operation")
    theirs = [job for job in active if job.params.get("operation") == operation]
    if len(theirs) >= fair_use.per_operation:
        raise TooManyJobs(
            f"{operation} has {len(theirs)} solves queued or running, as many as one "
            "operation may; wait for one to finish",
            _retry_after(theirs),
        )


def _retry_after(jobs: list[JobRecord]) -> int:
    """Seconds until the soonest of `jobs` should be done: its time limit less its run."""
    now = datetime.now(UTC)

    def remaining(job: JobRecord) -> float:
        limit = float(job.params.get("time_limit", 60))
        if job.started_at is None:
            return limit
        started = job.started_at.replace(tzinfo=job.started_at.tzinfo or UTC)  # SQLite: naive
        return limit - (now - started).total_seconds()

    return max(5, math.ceil(min(remaining(job) for job in jobs)))


def submit(
    session: Session, key: bytes, kind: str, params: dict[str, Any], actor: str
) -> JobRecord:
    job = JobRecord(kind=kind, params=params, status="queued", requested_by=actor)
    session.add(job)
    session.flush()
    append(
        session,
        key,
        Entry(actor, None, "job.submit", "job", str(job.id), None, {"kind": kind} | params),
    )
    return job


def get_job(session: Session, job_id: int) -> JobRecord:
    job = session.get(JobRecord, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


def request_cancel(session: Session, key: bytes, job_id: int, actor: str) -> JobRecord:
    """A queued job is cancelled at once; a running one stops at its next progress report and
    keeps the best result found so far."""
    job = _locked(session, job_id)
    if job.status in FINISHED:
        raise Refused(f"job {job_id} is {job.status}; nothing to cancel")
    before = {"status": job.status}
    job.cancel_requested = True
    if job.status == "queued":
        job.status, job.finished_at = "cancelled", datetime.now(UTC)
    session.flush()
    append(
        session,
        key,
        Entry(actor, None, "job.cancel", "job", str(job_id), before, {"status": job.status}),
    )
    return job


def claim_next(session: Session) -> int | None:
    """The id of the oldest queued job, locked so that concurrent workers never claim the
    same one (start it with `start_attempt` in the same transaction)."""
    query = (
        select(JobRecord.id)
        .where(JobRecord.status == "queued")
        .order_by(JobRecord.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).first()


def start_attempt(session: Session, key: bytes, job_id: int, worker: str) -> JobRecord | None:
    """Mark the job running for `worker` and record the attempt; None when there is nothing
    to run: the job finished already (a re-delivered job), was cancelled before it started,
    or has been started `MAX_ATTEMPTS` times (it is failed, saying so)."""
    job = _locked(session, job_id)
    if job.status in FINISHED:
        return None
    if job.cancel_requested:
        _close(session, key, job, "cancelled", None)
        return None
    if job.attempts >= MAX_ATTEMPTS:
        error = (
            f"gave up after {job.attempts} attempts: each time its worker was lost "
            "(killed, out of memory or its machine gone) before it finished"
        )
        fail(session, key, job_id, error)
        return None
    job.attempts += 1
    job.status, job.started_at = "running", datetime.now(UTC)
    job.heartbeat_at = job.started_at
    session.flush()
    detail = {"attempt": job.attempts, "worker": worker}
    append(
        session, key, Entry(job.requested_by, None, "job.attempt", "job", str(job_id), None, detail)
    )
    return job


def beat(session: Session, job_id: int) -> None:
    """The runner of a running job is alive."""
    query = (
        update(JobRecord)
        .where(JobRecord.id == job_id, JobRecord.status == "running")
        .values(heartbeat_at=datetime.now(UTC))
    )
    session.execute(query)


def requeue_silent(session: Session, key: bytes, silent_for: timedelta) -> list[int]:
    """Put back in the queue every running job whose runner has sent no heartbeat for
    `silent_for` (its process was killed); their ids."""
    since = datetime.now(UTC) - silent_for
    query = (
        select(JobRecord.id)
        .where(JobRecord.status == "running", JobRecord.heartbeat_at < since)
        .with_for_update(skip_locked=True)
    )
    silent = list(session.scalars(query))
    reason = f"its runner sent no heartbeat for {silent_for.total_seconds():g} s (lost)"
    for job_id in silent:
        requeue_lost(session, key, job_id, reason)
    return silent


def requeue_lost(session: Session, key: bytes, job_id: int, reason: str) -> None:
    """A job whose worker was lost goes back to the queue; the audit trail says why."""
    job = _locked(session, job_id)
    if job.status != "running":
        return
    job.status = "queued"
    session.flush()
    entry = Entry(
        "system",
        None,
        "job.requeue",
        "job",
        str(job_id),
        {"status": "running"},
        {"status": "queued", "reason": reason},
    )
    append(session, key, entry)


def report_progress(session: Session, job_id: int, progress: dict[str, Any]) -> bool:
    """Store the job's progress; True when a cancel was requested (the runner should stop)."""
    job = _locked(session, job_id)
    job.progress = progress
    session.flush()
    return job.cancel_requested


def finish(session: Session, key: bytes, job_id: int, result: dict[str, Any]) -> JobRecord:
    """Record the job's result; a job finished already is left as it is (idempotent: the
    handler may have finished it in the transaction that stored its plan)."""
    job = _locked(session, job_id)
    if job.status in FINISHED:
        return job
    _close(session, key, job, "cancelled" if job.cancel_requested else "done", result)
    return job


def _close(
    session: Session, key: bytes, job: JobRecord, status: str, result: dict[str, Any] | None
) -> None:
    job.status, job.result, job.finished_at = status, result, datetime.now(UTC)
    session.flush()
    entry = Entry(job.requested_by, None, f"job.{status}", "job", str(job.id), None, result)
    append(session, key, entry)
    _tell_requester(session, job)


def _tell_requester(session: Session, job: JobRecord) -> None:
    """The job's requester finds it over in their queue (a notification, same transaction)."""
    from mobilize.inbox.notify import note_job  # inbox reads the job table: one-way imports

    note_job(session, job)


def lock_job(session: Session, job_id: int) -> JobRecord:
    """The job, locked until the transaction ends (a handler finishing it checks first)."""
    return _locked(session, job_id)


def fail(session: Session, key: bytes, job_id: int, error: str) -> JobRecord:
    job = _locked(session, job_id)
    job.status, job.error, job.finished_at = "failed", error, datetime.now(UTC)
    session.flush()
    entry = Entry(
        job.requested_by, None, "job.failed", "job", str(job_id), None, None, "failed", error
    )
    append(session, key, entry)
    _tell_requester(session, job)
    return job


def _locked(session: Session, job_id: int) -> JobRecord:
    query = select(JobRecord).where(JobRecord.id == job_id).with_for_update()
    job = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job
