"""The Procrastinate queue: a job and its queue entry commit together, each kind of job goes
to its queue, a waiting job is cancelled in both tables, and the server answers for either
queue alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput
from mobilize.core.settings import Settings
from mobilize.jobs.handlers import job_handlers
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.jobs.queue import (
    QUEUE_OF_KIND,
    QUEUES,
    InProcessQueue,
    ProcrastinateQueue,
    make_queue,
    priority_of,
    queue_of,
)

KEY = b"k"


def _queue_row(engine: Engine, queue_job_id: int | None) -> tuple[str, str, dict[str, int]]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT queue_name, status::text, args FROM procrastinate_jobs WHERE id = :id"),
            {"id": queue_job_id},
        ).one()
    return row[0], row[1], row[2]


@pytest.fixture
def postgres_engine(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("Procrastinate runs on PostgreSQL only")
    return engine


def test_a_job_and_its_queue_entry_commit_together(postgres_engine: Engine) -> None:
    queue = ProcrastinateQueue(postgres_engine)
    with session_scope(postgres_engine) as session:
        job = queue.submit(session, KEY, PLAN_JOB, plan_params("Border", 30), "cbp.planner")
        job_id, queue_job_id = job.id, job.queue_job_id
    assert _queue_row(postgres_engine, queue_job_id) == ("plan", "todo", {"job_id": job_id})

    def submit_then_fail() -> None:
        with session_scope(postgres_engine) as session:
            queue.submit(session, KEY, PLAN_JOB, plan_params("Border"), "cbp.planner")
            raise RuntimeError("the change that asked for the job failed")

    with pytest.raises(RuntimeError):
        submit_then_fail()
    with postgres_engine.connect() as connection:
        counts = connection.execute(
            text("SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM procrastinate_jobs)")
        ).one()
    assert tuple(counts) == (1, 1)


def test_a_waiting_job_is_cancelled_in_both_tables(postgres_engine: Engine) -> None:
    queue = ProcrastinateQueue(postgres_engine)
    with session_scope(postgres_engine) as session:
        job = queue.submit(session, KEY, PLAN_JOB, plan_params("Border"), "cbp.planner")
    with session_scope(postgres_engine) as session:
        assert queue.cancel(session, KEY, job.id, "cbp.planner").status == "cancelled"
    assert _queue_row(postgres_engine, job.queue_job_id)[1] == "cancelled"
    queue.check()


def test_every_kind_of_job_goes_to_a_queue_a_worker_takes(engine: Engine) -> None:
    kinds = set(job_handlers(engine, KEY))
    assert set(QUEUE_OF_KIND) == kinds
    assert {queue_of(kind) for kind in kinds} <= set(QUEUES)
    assert queue_of(PLAN_JOB) == "plan"  # its passes too: one job plans an operation


def test_a_job_of_a_kind_without_a_queue_is_refused_before_it_is_recorded(
    postgres_engine: Engine,
) -> None:
    queue = ProcrastinateQueue(postgres_engine)
    with pytest.raises(ValueError, match="no queue"), session_scope(postgres_engine) as session:
        queue.submit(session, KEY, "export", {}, "cbp.planner")
    with postgres_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM jobs")).scalar_one() == 0


def test_short_solves_come_first() -> None:
    assert priority_of(plan_params("Border", 10)) > priority_of(plan_params("Border", 600))


def test_the_procrastinate_queue_needs_postgresql(database_url: str, engine: Engine) -> None:
    settings = Settings(database_url, "k", Path("unused"), job_queue="procrastinate")
    if engine.dialect.name == "postgresql":
        assert isinstance(make_queue(settings, engine, KEY, {}), ProcrastinateQueue)
    else:
        with pytest.raises(InvalidInput, match="needs a PostgreSQL"):
            make_queue(settings, engine, KEY, {})
    default = Settings(database_url, "k", Path("unused"))
    assert isinstance(make_queue(default, engine, KEY, {}), InProcessQueue)
