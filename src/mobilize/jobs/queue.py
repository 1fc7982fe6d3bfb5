"""The job queue: one small interface, two implementations.

`InProcessQueue` (the embedded default, `make run`): jobs wait in the job table and a thread
of the server runs them. `ProcrastinateQueue` (PostgreSQL, `MOBILIZE_JOB_QUEUE=procrastinate`):
each job also gets a row in Procrastinate's table, inserted in the same transaction as the job
and the change that asked for it, so nothing is lost between a broker and the database;
`mobilize worker` processes run it, and the servers never solve.

Either way the job table holds status, progress and result, so any server answers for any
job, and a cancel is a flag in that table that reaches the job wherever it runs.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput
from mobilize.core.settings import JOB_QUEUE_VARIABLE, JOB_QUEUES, Settings
from mobilize.jobs import service
from mobilize.jobs.models import JobRecord
from mobilize.jobs.worker import Handler, InProcessWorker

RUN_JOB_TASK = "mobilize.run_job"
# The queues a worker may take jobs from (`mobilize worker --queues`): `plan` for solves (one
# at a time per machine, as CP-SAT takes every core), `passes` for pass plans on their own and
# `io` for imports, exports and reports, should they become jobs.
QUEUES = ("plan", "passes", "io")
# Which queue each kind of job goes to. A plan job plans the holiday passes too ("plan an
# operation" is one job: `operations.plan_run`), so passes are solved on the `plan` queue.
# Imports, exports and reports run within their request (under a second for 1,000 units:
# docs/benchmarks.md), so no job uses `passes` or `io` yet.
QUEUE_OF_KIND = {"plan": "plan"}


class JobQueue(Protocol):
    name: str

    def submit(
        self, session: Session, key: bytes, kind: str, params: dict[str, Any], actor: str
    ) -> JobRecord:
        """Record a job in the caller's transaction; it runs once that commits."""

    def progress(self, session: Session, job_id: int) -> JobRecord:
        """The job as it stands: status, progress (level, elapsed, objective, bound)."""

    def result(self, session: Session, job_id: int) -> dict[str, Any] | None:
        """The job's result once it is done or stopped; None before."""

    def cancel(self, session: Session, key: bytes, job_id: int, actor: str) -> JobRecord:
        """Cancel: a waiting job at once, a running one at its next progress report."""

    def wake(self) -> None:
        """Called after the submitting transaction committed."""

    def check(self) -> None:
        """Raise when the queue cannot be reached (for `/ready`)."""


class _JobTable:
    """What both queues share: the job table and the fair-use check."""

    fair_use = service.FairUse()

    def _record(
        self, session: Session, key: bytes, kind: str, params: dict[str, Any], actor: str
    ) -> JobRecord:
        service.check_fair_use(session, self.fair_use, params, actor)
        return service.submit(session, key, kind, params, actor)

    def progress(self, session: Session, job_id: int) -> JobRecord:
        return service.get_job(session, job_id)

    def result(self, session: Session, job_id: int) -> dict[str, Any] | None:
        return service.get_job(session, job_id).result


class InProcessQueue(_JobTable):
    name = "in-process"

    def __init__(
        self,
        engine: Engine,
        key: bytes,
        handlers: dict[str, Handler],
        fair_use: service.FairUse | None = None,
    ) -> None:
        self.engine = engine
        self.worker = InProcessWorker(engine, key, handlers)
        self.fair_use = fair_use or service.FairUse()

    def submit(
        self, session: Session, key: bytes, kind: str, params: dict[str, Any], actor: str
    ) -> JobRecord:
        return self._record(session, key, kind, params, actor)

    def cancel(self, session: Session, key: bytes, job_id: int, actor: str) -> JobRecord:
        return service.request_cancel(session, key, job_id, actor)

    def wake(self) -> None:
        self.worker.notify()

    def check(self) -> None:
        pass  # the job table is in the database /ready has just reached


# Procrastinate's own SQL functions: its stable interface to its tables.
DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, NULL, NULL,"
    " CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])"
)
CANCEL = text("SELECT procrastinate_cancel_job_v1(:id, false, false)")


class ProcrastinateQueue(_JobTable):
    name = "procrastinate"

    def __init__(self, engine: Engine, fair_use: service.FairUse | None = None) -> None:
        self.engine = engine
        self.fair_use = fair_use or service.FairUse()

    def submit(
        self, session: Session, key: bytes, kind: str, params: dict[str, Any], actor: str
    ) -> JobRecord:
        queue = queue_of(kind)
        job = self._record(session, key, kind, params, actor)
        values = {
            "queue": queue,
            "task": RUN_JOB_TASK,
            "priority": priority_of(params),
            "args": json.dumps({"job_id": job.id}),
        }
        job.queue_job_id = session.execute(DEFER, values).scalar_one()[0]
        session.flush()
        return job

    def cancel(self, session: Session, key: bytes, job_id: int, actor: str) -> JobRecord:
        job = service.request_cancel(session, key, job_id, actor)
        if job.status == "cancelled" and job.queue_job_id is not None:
            session.execute(CANCEL, {"id": job.queue_job_id})  # not yet fetched: never runs
        return job

    def wake(self) -> None:
        pass  # Procrastinate's workers LISTEN for new jobs

    def check(self) -> None:
        with session_scope(self.engine) as session:
            session.execute(text("SELECT 1 FROM procrastinate_jobs LIMIT 1"))


def queue_of(kind: str) -> str:
    """The queue a kind of job goes to; a kind without one is a mistake in the code, refused
    before anything is recorded rather than left on a queue no worker may take."""
    if kind not in QUEUE_OF_KIND:
        raise ValueError(f"job kind {kind!r} has no queue: add it to QUEUE_OF_KIND")
    return QUEUE_OF_KIND[kind]


def priority_of(params: dict[str, Any]) -> int:
    """Short solves first: Procrastinate takes the highest priority first."""
    return -round(float(params.get("time_limit", 60)))


def make_queue(
    settings: Settings, engine: Engine, key: bytes, handlers: dict[str, Handler]
) -> JobQueue:
    if settings.job_queue not in JOB_QUEUES:
        raise InvalidInput(
            f"{JOB_QUEUE_VARIABLE}={settings.job_queue!r}: use {' or '.join(JOB_QUEUES)}"
        )
    fair_use = service.FairUse(settings.solves_per_user, settings.solves_per_operation)
    if settings.job_queue == "in-process":
        return InProcessQueue(engine, key, handlers, fair_use)
    if engine.dialect.name != "postgresql":
        raise InvalidInput(f"{JOB_QUEUE_VARIABLE}=procrastinate needs a PostgreSQL database")
    return ProcrastinateQueue(engine, fair_use)
