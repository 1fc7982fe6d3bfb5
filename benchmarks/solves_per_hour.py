"""Solves per hour of one `mobilize worker`, for the sizing table in docs/deploy.md.

For each scenario, on a fresh PostgreSQL database (dropped afterwards): the operation stored,
one `mobilize worker --queues plan --cpu CPU` started, one plan job submitted through the
Procrastinate queue with the scenario's time limit (repeatable, as the API submits it), and
timed from the submit to the job's end: the solve, the passes, storing the plan and the
queue's hand-over. 3,600 s over that is the worker's solves per hour. Each plan is checked by
the independent verifier.

Scenarios: the reference (`scenarios/border-2018.yaml`) and generated ones
(`mobilize generate --units N --locations 12 --days 120 --seed 1`).

    .venv/bin/python benchmarks/solves_per_hour.py [--cases reference:60,300:120,1000:60]
        [--cpu normal]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from worker_tier import ADMIN_URL, KEY, start, until

from mobilize.core.db import make_engine, session_scope
from mobilize.core.migrate import upgrade
from mobilize.jobs import service
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.jobs.queue import ProcrastinateQueue
from mobilize.operations.plans import get_plan, plan_document, snapshot
from mobilize.operations.service import get_operation, import_scenario
from mobilize.planning.verify import verify_plan
from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from mobilize.scenario.loader import load_scenario
from mobilize.scenario.schemas import Scenario

ROOT = Path(__file__).resolve().parents[1]


def scenario_of(case: str) -> Scenario:
    if case == "reference":
        return load_scenario(ROOT / "scenarios" / "border-2018.yaml")
    settings = GeneratorSettings(units=int(case), locations=12, days=120, seed=1)
    return generate_scenario(settings)


def solve_once(scenario: Scenario, time_limit: float, cpu: str, log: Path) -> str:
    """One plan job on one worker: the table row."""
    name = f"mobilize_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    worker: subprocess.Popen[bytes] | None = None
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            import_scenario(session, scenario, key=KEY.encode())
        env = {"MOBILIZE_DATABASE_URL": url, "MOBILIZE_AUDIT_KEY": KEY}
        worker = start(["worker", "--queues", "plan", "--cpu", cpu], env, log)
        time.sleep(3)  # the worker's start-up is not a solve's cost
        began = time.monotonic()
        with session_scope(engine) as session:
            params = plan_params(scenario.name, time_limit)
            job_id = (
                ProcrastinateQueue(engine)
                .submit(session, KEY.encode(), PLAN_JOB, params, "bench")
                .id
            )

        def finished() -> bool:
            with session_scope(engine) as session:
                return service.get_job(session, job_id).status in service.FINISHED

        until(finished, time_limit * 12 + 120, "the job finished")
        took = time.monotonic() - began
        with session_scope(engine) as session:
            job = service.get_job(session, job_id)
            assert job.result is not None, job.error
            operation = get_operation(session)
            document = plan_document(get_plan(session, operation, job.result["plan"]))
            violations = verify_plan(snapshot(session, operation.name), document).violations
            status, gap = job.result["status"], job.result["gap"]
        shown_gap = f"{gap:.1%}" if gap is not None else "-"
        return (
            f"| {len(scenario.units)} units | {time_limit:g} | {took:.1f} | {3600 / took:.0f} "
            f"| {status}, gap {shown_gap}, {len(violations)} violations "
            f"| {os.getloadavg()[0]:.1f} |"
        )
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=120)
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="reference:60,300:120,1000:60")
    parser.add_argument("--cpu", choices=("idle", "low", "normal"), default="normal")
    options = parser.parse_args()
    print(f"worker --cpu {options.cpu}, load average at the start {os.getloadavg()[0]:.1f}")
    print("| scenario | time limit (s) | submit to done (s) | solves per hour | plan | load |")
    print("|---|---:|---:|---:|---|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for case in options.cases.split(","):
            which, limit = case.split(":")
            row = solve_once(scenario_of(which), float(limit), options.cpu, Path(folder) / "w.log")
            print(row, flush=True)


if __name__ == "__main__":
    main()
