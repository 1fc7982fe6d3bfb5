"""Long solves as jobs: state and progress in the database, cancel seen by the runner."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from mobilize.audit.models import AuditRecord
from mobilize.audit.service import records_for, verify_trail
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput, Refused
from mobilize.jobs import service
from mobilize.jobs.plan_job import PLAN_JOB, plan_handler, plan_params
from mobilize.jobs.worker import InProcessWorker, JobContext
from mobilize.operations.plans import get_plan, plan_document
from mobilize.operations.service import get_operation
from mobilize.planning.instance import build_instance
from mobilize.planning.solve import SolverConfig, solve_cp_sat
from mobilize.planning.verify import verify_plan
from mobilize.scenario.schemas import Scenario

KEY = b"k"


def _submit(engine: Engine, kind: str, params: dict[str, Any]) -> int:
    with session_scope(engine) as session:
        return service.submit(session, KEY, kind, params, "cbp.planner").id


def test_plan_job_runs_reports_progress_and_stores_the_plan(
    stored: Engine, reference_scenario: Scenario
) -> None:
    job_id = _submit(stored, PLAN_JOB, plan_params("Border support 2018", time_limit=10))
    worker = InProcessWorker(stored, KEY, {PLAN_JOB: plan_handler(stored, KEY)})
    assert worker.run_once() == job_id
    assert worker.run_once() is None
    with session_scope(stored) as session:
        job = service.get_job(session, job_id)
        assert job.status == "done"
        assert job.progress is not None
        assert {"level", "elapsed", "objective", "bound"} <= set(job.progress)
        assert job.result is not None
        plan = get_plan(session, get_operation(session), job.result["plan"])
        assert verify_plan(reference_scenario, plan_document(plan)).violations == []
        actions = [record.action for record in records_for(session, "job", str(job_id))]
        assert actions == ["job.submit", "job.attempt", "job.done"]
        stored_by = session.scalars(
            select(AuditRecord.actor).where(AuditRecord.action == "plan.store")
        ).all()
        assert stored_by == ["cbp.planner"]  # the planner who asked, not `system`
        assert verify_trail(session, KEY).intact


def test_queued_job_is_cancelled_at_once(stored: Engine) -> None:
    job_id = _submit(stored, PLAN_JOB, plan_params("Border support 2018"))
    with session_scope(stored) as session:
        assert service.request_cancel(session, KEY, job_id, "cbp.planner").status == "cancelled"
        with pytest.raises(Refused, match="nothing to cancel"):
            service.request_cancel(session, KEY, job_id, "cbp.planner")
    worker = InProcessWorker(stored, KEY, {PLAN_JOB: plan_handler(stored, KEY)})
    assert worker.run_once() is None


def test_a_running_job_sees_a_cancel_at_its_next_report(stored: Engine) -> None:
    job_id = _submit(stored, "noop", {})
    with session_scope(stored) as session:
        assert service.claim_next(session) == job_id
        assert service.start_attempt(session, KEY, job_id, "here") is not None
        service.request_cancel(session, KEY, job_id, "cbp.planner")
    context = JobContext(stored, job_id)
    context.progress({"level": "shortfall"}, force=True)
    assert context.stop.is_set()
    with session_scope(stored) as session:
        assert service.finish(session, KEY, job_id, {"plan": None}).status == "cancelled"


def test_a_stopped_solve_returns_the_plan_found_so_far(reference_scenario: Scenario) -> None:
    stop = threading.Event()
    stop.set()
    config = SolverConfig(time_limit=20, workers=8, seed=0, stop=stop)
    deployments, solver = solve_cp_sat(build_instance(reference_scenario), config)
    assert deployments  # a plan, never nothing
    assert len(solver.stages) == 1  # stopped after the first level


def test_a_failing_job_is_recorded_and_the_worker_goes_on(stored: Engine) -> None:
    def refuse(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        raise InvalidInput("no such operation")

    first = _submit(stored, "refuse", {})
    second = _submit(stored, "refuse", {})
    worker = InProcessWorker(stored, KEY, {"refuse": refuse})
    assert worker.run_once() == first
    assert worker.run_once() == second
    with session_scope(stored) as session:
        job = service.get_job(session, first)
        assert job.status == "failed"
        assert job.error == "no such operation"


def test_a_job_whose_server_was_killed_is_run_again(stored: Engine) -> None:
    job_id = _submit(stored, "echo", {"answer": 42})
    with session_scope(stored) as session:
        assert service.claim_next(session) == job_id
        job = service.start_attempt(session, KEY, job_id, "killed-server:1")
        assert job is not None
        job.heartbeat_at = datetime.now(UTC) - timedelta(minutes=5)  # it died 5 minutes ago
    worker = InProcessWorker(stored, KEY, {"echo": lambda params, context: params})
    assert worker.run_once() is None  # nothing queued: the job looks running
    assert worker.recover() == [job_id]
    assert worker.run_once() == job_id
    with session_scope(stored) as session:
        job = service.get_job(session, job_id)
        assert (job.status, job.result, job.attempts) == ("done", {"answer": 42}, 2)
        actions = [record.action for record in records_for(session, "job", str(job_id))]
        assert actions == ["job.submit", "job.attempt", "job.requeue", "job.attempt", "job.done"]


def test_a_cancel_reaches_a_job_whose_server_was_killed(stored: Engine) -> None:
    job_id = _submit(stored, "echo", {})
    with session_scope(stored) as session:
        service.claim_next(session)
        job = service.start_attempt(session, KEY, job_id, "killed-server:1")
        assert job is not None
        job.heartbeat_at = datetime.now(UTC) - timedelta(minutes=5)
        service.request_cancel(session, KEY, job_id, "cbp.planner")
    worker = InProcessWorker(stored, KEY, {"echo": lambda params, context: params})
    worker.recover()
    assert worker.run_once() == job_id
    with session_scope(stored) as session:
        assert service.get_job(session, job_id).status == "cancelled"
