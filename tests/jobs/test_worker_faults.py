"""A worker killed mid-solve (kill -9), or the database restarted under it: the job finishes
(on the other worker after a kill), its plan passes the verifier, is stored once, and the audit
trail shows every attempt. Real processes on PostgreSQL (2 servers on the Procrastinate queue,
2 `mobilize worker`), loopback only.

The suite plans the reference operation with a 30 s limit. `MOBILIZE_FAULT_UNITS=300` runs
the same tests on a generated operation of that many units with a 120 s limit (issue 16's
case: minutes a test, so out of the suite; figures in docs/benchmarks.md)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from mobilize.audit.service import records_for, verify_trail
from mobilize.auth.models import Role
from mobilize.auth.service import add_user, create_token
from mobilize.core.db import make_engine, session_scope
from mobilize.core.migrate import upgrade
from mobilize.jobs import service
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.jobs.queue import ProcrastinateQueue
from mobilize.operations.models import PlanRecord
from mobilize.operations.plans import get_plan, plan_document
from mobilize.operations.service import get_operation, import_scenario
from mobilize.planning.verify import verify_plan
from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from mobilize.scenario.schemas import Scenario
from tests.cluster import cluster_available, throwaway_cluster
from tests.conftest import postgres_schema, skip_without_postgres
from tests.processes import Server, Worker, servers, thread_policies, workers

KEY = "test-audit-key"
PLANNER = "fault.planner"
pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class FaultCase:
    scenario: Scenario
    time_limit: float  # the plan job's limit (work units in the repeatable mode)
    within: float  # how long a stage of the test may take, for this size


@pytest.fixture
def case(reference_scenario: Scenario) -> FaultCase:
    units = os.environ.get("MOBILIZE_FAULT_UNITS")
    if not units:
        return FaultCase(reference_scenario, time_limit=30, within=240)
    generated = generate_scenario(GeneratorSettings(units=int(units), seed=1))
    scenario = generated.model_copy(update={"name": f"Faults {units} units"})
    return FaultCase(scenario, time_limit=120, within=1800)


def _load(engine: Engine, scenario: Scenario) -> str:
    """The operation and a planner of one of its agencies; the planner's token."""
    upgrade(engine)
    with session_scope(engine) as session:
        import_scenario(session, scenario, key=KEY.encode())
        agency = next(u.agency for u in scenario.units if u.agency is not None)
        add_user(session, KEY.encode(), PLANNER, agency, [(Role.PLANNER, agency)])
        return create_token(session, KEY.encode(), PLANNER)


@pytest.fixture
def loaded(case: FaultCase) -> Iterator[tuple[str, Engine, str]]:
    """A throwaway schema with the case's operation; its URL, engine and a planner's token."""
    with postgres_schema("faults") as url:
        engine = make_engine(url)
        token = _load(engine, case.scenario)
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


def _environment(url: str) -> dict[str, str]:
    return {
        "MOBILIZE_DATABASE_URL": url,
        "MOBILIZE_AUDIT_KEY": KEY,
        "MOBILIZE_JOB_QUEUE": "procrastinate",
    }


def _submit(server: Server, token: str, case: FaultCase) -> int:
    """A plan job for the case's operation, through the API as a planner asks for one."""
    submitted = httpx.post(
        f"{server.base}/api/operations/{case.scenario.name}/plans",
        json={"time_limit": case.time_limit},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert submitted.status_code == 202, submitted.text
    job_id: int = submitted.json()["id"]
    return job_id


def _job_status(engine: Engine, job_id: int) -> str:
    with session_scope(engine) as session:
        return service.get_job(session, job_id).status


def _progressed(engine: Engine, job_id: int) -> bool:
    with session_scope(engine) as session:
        return service.get_job(session, job_id).progress is not None


def _check_done_once(engine: Engine, job_id: int, case: FaultCase, attempts: int) -> list[str]:
    """The job done after `attempts` attempts, one plan stored and verified, the trail whole;
    the job's audit actions."""
    with session_scope(engine) as session:
        job = service.get_job(session, job_id)
        assert job.status == "done", job.error
        assert job.attempts == attempts
        assert job.result is not None
        assert len(session.scalars(select(PlanRecord)).all()) == 1
        plan = get_plan(session, get_operation(session), job.result["plan"])
        assert verify_plan(case.scenario, plan_document(plan)).violations == []
        actions = [r.action for r in records_for(session, "job", str(job_id))]
        assert actions.count("job.attempt") == attempts
        assert verify_trail(session, KEY.encode()).intact
        return actions


@skip_without_postgres()
def test_a_killed_worker_s_job_finishes_on_the_other_once(
    loaded: tuple[str, Engine, str], case: FaultCase, tmp_path: Path
) -> None:
    url, engine, token = loaded
    env = _environment(url)
    with servers(2, env, tmp_path) as both, workers(2, env, tmp_path) as started:
        for server in both:
            server.wait_ready()
        job_id = _submit(both[0], token, case)
        _until(lambda: _progressed(engine, job_id), case.within, "the job reported progress")
        first = _attempts(engine, job_id)[0]["worker"]
        running = next(w for w in started if first.endswith(f":{w.pid}"))
        # The solve gives way to requests; the servers keep their normal priority.
        assert thread_policies(running.pid) == {os.SCHED_IDLE}
        assert thread_policies(both[0].popen.pid) == {os.SCHED_OTHER}
        running.kill()  # SIGKILL: no goodbye, no heartbeat any more
        _until(
            lambda: _job_status(engine, job_id) in service.FINISHED,
            case.within,
            "the job finished on the other worker",
        )
        survivor: Worker = next(w for w in started if w is not running)
        assert survivor.popen.poll() is None, survivor.output()
    actions = _check_done_once(engine, job_id, case, attempts=2)
    assert "job.requeue" in actions
    second = _attempts(engine, job_id)[1]["worker"]
    assert second.endswith(f":{survivor.pid}")


@pytest.mark.skipif(not cluster_available(), reason="no PostgreSQL binaries")
def test_a_job_survives_a_database_restart(case: FaultCase, tmp_path: Path) -> None:
    """The database (a cluster of the test's own) restarts while a worker solves: the job
    finishes, its plan is stored once, and the servers answer again without a restart."""
    with throwaway_cluster() as cluster:
        engine = make_engine(cluster.url)
        token = _load(engine, case.scenario)
        env = _environment(cluster.url)
        with servers(2, env, tmp_path) as both, workers(2, env, tmp_path) as started:
            for server in both:
                server.wait_ready()
            job_id = _submit(both[0], token, case)
            _until(lambda: _progressed(engine, job_id), case.within, "the job reported progress")
            cluster.stop()
            time.sleep(2)  # down for a moment, as in a restart
            cluster.start()
            _until(
                lambda: _job_status(engine, job_id) in service.FINISHED,
                case.within,
                "the job finished after the restart",
            )
            assert all(w.popen.poll() is None for w in started), "the workers outlive it"
            for server in both:
                server.wait_ready()
        # One attempt, or two when the restart cut the first one's connection for good.
        attempts = len(_attempts(engine, job_id))
        assert attempts in (1, 2)
        _check_done_once(engine, job_id, case, attempts)
        engine.dispose()


@skip_without_postgres()
def test_a_stopped_worker_stores_its_best_plan_at_once(
    loaded: tuple[str, Engine, str], case: FaultCase, tmp_path: Path
) -> None:
    """SIGTERM (a deploy, a systemd stop): the solve stops at its next solution or level and
    its plan is stored, long before the time limit."""
    url, engine, _ = loaded
    env = {"MOBILIZE_DATABASE_URL": url, "MOBILIZE_AUDIT_KEY": KEY}
    with workers(1, env, tmp_path) as (worker,):
        with session_scope(engine) as session:
            params = plan_params(case.scenario.name, time_limit=300)
            job_id = (
                ProcrastinateQueue(engine)
                .submit(session, KEY.encode(), PLAN_JOB, params, PLANNER)
                .id
            )
        _until(lambda: _progressed(engine, job_id), case.within, "the job reported progress")
        stopped = time.monotonic()
        worker.kill(signal.SIGTERM)
        assert worker.popen.returncode == 0, worker.output()
        assert time.monotonic() - stopped < 120
    with session_scope(engine) as session:
        job = service.get_job(session, job_id)
        assert job.status == "done", job.error
        assert job.result is not None
        assert job.result["plan"] == 1
