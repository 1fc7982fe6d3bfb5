"""A worker killed mid-solve (kill -9): the job is re-run by the other worker, its plan
passes the verifier, is stored once, and the audit trail shows both attempts. Real processes
on PostgreSQL (a server on the Procrastinate queue and two `mobilize worker`), loopback only."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from mobilize.audit.service import records_for, verify_trail
from mobilize.auth.service import create_token
from mobilize.core.db import make_engine, session_scope
from mobilize.core.migrate import upgrade
from mobilize.jobs import service
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.jobs.queue import ProcrastinateQueue
from mobilize.operations.models import PlanRecord
from mobilize.operations.plans import get_plan, plan_document
from mobilize.operations.service import get_operation, import_scenario
from mobilize.planning.verify import verify_plan
from mobilize.requests.demo import load_demo
from mobilize.scenario.schemas import Scenario
from tests.cluster import cluster_available, throwaway_cluster
from tests.conftest import postgres_schema, skip_without_postgres
from tests.processes import Worker, servers, thread_policies, workers

KEY = "test-audit-key"
OPERATION = "Border support 2018"
pytestmark = pytest.mark.postgres


@pytest.fixture
def loaded(reference_scenario: Scenario) -> Iterator[tuple[str, Engine, str]]:
    """A throwaway schema with the demo loaded; its URL, engine and a planner's token."""
    with postgres_schema("faults") as url:
        engine = make_engine(url)
        upgrade(engine)
        with session_scope(engine) as session:
            load_demo(session, KEY.encode(), reference_scenario)
            token = create_token(session, KEY.encode(), "army.planner")
        yield url, engine, token
        engine.dispose()


def _until(check: Callable[[], Any], within: float, what: str) -> Any:
    """Wait (bounded) until `check` returns something true: other processes are working."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not within {within:g} s: {what}")


def _attempts(engine: Engine, job_id: int) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        records = records_for(session, "job", str(job_id))
        return [r.after for r in records if r.action == "job.attempt"]


@skip_without_postgres()
def test_a_killed_worker_s_job_finishes_on_the_other_once(
    loaded: tuple[str, Engine, str], reference_scenario: Scenario, tmp_path: Path
) -> None:
    url, engine, token = loaded
    env = {
        "MOBILIZE_DATABASE_URL": url,
        "MOBILIZE_AUDIT_KEY": KEY,
        "MOBILIZE_JOB_QUEUE": "procrastinate",
    }
    with servers(1, env, tmp_path) as (server,), workers(2, env, tmp_path) as started:
        server.wait_ready()
        submitted = httpx.post(
            f"{server.base}/api/operations/{OPERATION}/plans",
            json={"time_limit": 30},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["id"]

        def progressed() -> bool:
            with session_scope(engine) as session:
                return service.get_job(session, job_id).progress is not None

        _until(progressed, 120, "the job reported progress")
        first = _attempts(engine, job_id)[0]["worker"]
        running = next(w for w in started if first.endswith(f":{w.pid}"))
        # The solve gives way to requests; the server keeps its normal priority.
        assert thread_policies(running.pid) == {os.SCHED_IDLE}
        assert thread_policies(server.popen.pid) == {os.SCHED_OTHER}
        running.kill()  # SIGKILL: no goodbye, no heartbeat any more

        def finished() -> bool:
            with session_scope(engine) as session:
                return service.get_job(session, job_id).status in service.FINISHED

        _until(finished, 240, "the job finished on the other worker")
        survivor: Worker = next(w for w in started if w is not running)
        assert survivor.popen.poll() is None, survivor.output()
    with session_scope(engine) as session:
        job = service.get_job(session, job_id)
        assert job.status == "done", job.error
        assert job.attempts == 2
        assert job.result is not None
        stored = session.scalars(select(PlanRecord)).all()
        assert len(stored) == 1
        plan = get_plan(session, get_operation(session), job.result["plan"])
        assert verify_plan(reference_scenario, plan_document(plan)).violations == []
        actions = [r.action for r in records_for(session, "job", str(job_id))]
        assert actions.count("job.attempt") == 2
        assert "job.requeue" in actions
        assert verify_trail(session, KEY.encode()).intact
    second = _attempts(engine, job_id)[1]["worker"]
    assert second.endswith(f":{survivor.pid}")


@pytest.mark.skipif(not cluster_available(), reason="no PostgreSQL binaries")
def test_a_job_survives_a_database_restart(reference_scenario: Scenario, tmp_path: Path) -> None:
    """The database (a cluster of the test's own) restarts while a worker solves: the job
    finishes, its plan is stored once."""
    with throwaway_cluster() as cluster:
        engine = make_engine(cluster.url)
        upgrade(engine)
        with session_scope(engine) as session:
            import_scenario(session, reference_scenario)
        env = {"MOBILIZE_DATABASE_URL": cluster.url, "MOBILIZE_AUDIT_KEY": KEY}
        with workers(1, env, tmp_path) as (worker,):
            with session_scope(engine) as session:
                params = plan_params(OPERATION, time_limit=30)
                job_id = (
                    ProcrastinateQueue(engine)
                    .submit(session, KEY.encode(), PLAN_JOB, params, "cbp.planner")
                    .id
                )

            def progressed() -> bool:
                with session_scope(engine) as session:
                    return service.get_job(session, job_id).progress is not None

            _until(progressed, 120, "the job reported progress")
            cluster.stop()
            time.sleep(2)  # down for a moment, as in a restart
            cluster.start()

            def finished() -> bool:
                with session_scope(engine) as session:
                    return service.get_job(session, job_id).status in service.FINISHED

            _until(finished, 240, f"the job finished:\n{worker.output()}")
            assert worker.popen.poll() is None, "the worker outlives the restart"
        with session_scope(engine) as session:
            job = service.get_job(session, job_id)
            assert job.status == "done", job.error
            assert len(session.scalars(select(PlanRecord)).all()) == 1
        engine.dispose()


@skip_without_postgres()
def test_a_stopped_worker_stores_its_best_plan_at_once(
    loaded: tuple[str, Engine, str], tmp_path: Path
) -> None:
    """SIGTERM (a deploy, a systemd stop): the solve stops at its next solution or level and
    its plan is stored, long before the time limit."""
    url, engine, _ = loaded
    env = {"MOBILIZE_DATABASE_URL": url, "MOBILIZE_AUDIT_KEY": KEY}
    with workers(1, env, tmp_path) as (worker,):
        with session_scope(engine) as session:
            params = plan_params(OPERATION, time_limit=300)
            job_id = (
                ProcrastinateQueue(engine)
                .submit(session, KEY.encode(), PLAN_JOB, params, "cbp.planner")
                .id
            )

        def progressed() -> bool:
            with session_scope(engine) as session:
                return service.get_job(session, job_id).progress is not None

        _until(progressed, 120, "the job reported progress")
        stopped = time.monotonic()
        worker.kill(signal.SIGTERM)
        assert worker.popen.returncode == 0, worker.output()
        assert time.monotonic() - stopped < 120
    with session_scope(engine) as session:
        job = service.get_job(session, job_id)
        assert job.status == "done", job.error
        assert job.result is not None
        assert job.result["plan"] == 1
