"""The Procrastinate queue: a job and its queue entry commit together, a waiting job is
cancelled in both tables, and the server answers for either queue alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput
from mobilize.core.settings import Settings
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.jobs.queue import InProcessQueue, ProcrastinateQueue, make_queue, priority_of

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
