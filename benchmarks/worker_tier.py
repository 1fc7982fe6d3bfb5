"""The worker tier under load and under a fault, with real processes on loopback.

On a fresh PostgreSQL database (dropped afterwards): a generated operation of UNITS units,
2 `serve` (Procrastinate queue) and 2 `worker --cpu WORKER_CPU`, all on this machine. Measures
the API's read latency idle, then submits a plan with TIME_LIMIT through the API and measures
the same reads during the solve; once the job reports progress, kill -9 of the worker running
it; then how long until the other worker took it over and until the job was done, and checks
that the plan passes the verifier, is stored once and that both attempts are audited. The
same reads once more when the job is done show how much the machine's other load moved.

Reads taken minutes apart differ by more than a solve moves them (another program's load, the
database's caches): the before/during/after figures are a guide, not the measure. The measure
pairs them in time: during the solve, BLOCKS blocks of reads alternate between the solving
worker stopped (SIGSTOP: the machine as if idle, the job's memory kept) and running (SIGCONT),
in turn first one then the other, so that a drift of the machine falls on both alike; the ratio
of their p95s is the solve's own cost to a read.

With `--no-kill` the job is cancelled after the reads during the solve instead (the latency
figures alone, in a third of the time).

    .venv/bin/python benchmarks/worker_tier.py [--units 300] [--time-limit 120] [--reads 400]
        [--blocks 40] [--worker-cpu idle|low|normal] [--no-kill]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from mobilize.audit.service import records_for
from mobilize.auth.models import Role
from mobilize.auth.service import add_user, create_token
from mobilize.core.db import make_engine, session_scope
from mobilize.core.migrate import upgrade
from mobilize.jobs import service
from mobilize.operations.models import PlanRecord
from mobilize.operations.plans import get_plan, plan_document, snapshot
from mobilize.operations.service import get_operation, import_scenario
from mobilize.planning.verify import verify_plan
from mobilize.scenario.generator import GeneratorSettings, generate_scenario

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KEY = "bench-audit-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "mobilize", *args],
            env=os.environ | env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def until(check: Callable[[], Any], within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise SystemExit(f"not within {within:g} s: {what}")


def ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def read_times(url: str, headers: dict[str, str], count: int) -> list[float]:
    """`count` reads of the operation's plan list, one after another; seconds each."""
    times = []
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(count):
            began = time.perf_counter()
            client.get(url).raise_for_status()
            times.append(time.perf_counter() - began)
    return times


def paired_reads(
    url: str, headers: dict[str, str], solver: int, blocks: int, per_block: int
) -> tuple[list[float], list[float]]:
    """Reads with the solving worker's process group stopped and running, alternately in
    blocks of `per_block` (which goes first alternates too); (stopped, running) seconds."""
    stopped: list[float] = []
    running: list[float] = []
    for block in range(blocks):
        for paused in (block % 2 == 0, block % 2 == 1):
            if paused:
                os.killpg(solver, signal.SIGSTOP)
                time.sleep(0.05)  # let its threads leave the cores
            try:
                (stopped if paused else running).extend(read_times(url, headers, per_block))
            finally:
                if paused:
                    os.killpg(solver, signal.SIGCONT)
    return stopped, running


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] * 1000


def prepare(engine: Engine, units: int) -> tuple[str, str]:
    """The generated operation and a planner's token."""
    upgrade(engine)
    generated = generate_scenario(GeneratorSettings(units=units, seed=1))
    scenario = generated.model_copy(update={"name": f"Bench {units} units"})
    with session_scope(engine) as session:
        import_scenario(session, scenario, key=KEY.encode())
        agency = next(u.agency for u in scenario.units if u.agency is not None)
        add_user(session, KEY.encode(), "bench.planner", agency, [(Role.PLANNER, agency)])
        token = create_token(session, KEY.encode(), "bench.planner")
    return scenario.name, token


def job_state(engine: Engine, job_id: int) -> tuple[str, bool, list[Any]]:
    with session_scope(engine) as session:
        job = service.get_job(session, job_id)
        records = records_for(session, "job", str(job_id))
        return job.status, job.progress is not None, [(r.action, r.after) for r in records]


def run(options: argparse.Namespace, folder: Path) -> None:
    name = f"mobilize_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        operation, token = prepare(engine, options.units)
        env = {
            "MOBILIZE_DATABASE_URL": url,
            "MOBILIZE_AUDIT_KEY": KEY,
            "MOBILIZE_JOB_QUEUE": "procrastinate",
        }
        ports = [free_port(), free_port()]
        for n, port in enumerate(ports):
            processes.append(start(["serve", "--port", str(port)], env, folder / f"s{n}.log"))
        workers = [
            start(
                ["worker", "--queues", "plan", "--cpu", options.worker_cpu],
                env,
                folder / f"w{n}.log",
            )
            for n in range(2)
        ]
        processes += workers
        until(lambda: all(ready(port) for port in ports), 60, "both servers ready")
        measure(options, engine, operation, token, ports, workers)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(
    options: argparse.Namespace,
    engine: Engine,
    operation: str,
    token: str,
    ports: list[int],
    workers: list[subprocess.Popen[bytes]],
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    read_url = f"http://127.0.0.1:{ports[1]}/api/operations/{operation}/plans"
    idle = read_times(read_url, headers, options.reads)
    submitted = httpx.post(
        f"http://127.0.0.1:{ports[0]}/api/operations/{operation}/plans",
        json={"time_limit": options.time_limit},
        headers=headers,
    )
    submitted.raise_for_status()
    job_id = submitted.json()["id"]
    began = time.monotonic()
    until(lambda: job_state(engine, job_id)[1], 300, "progress")
    busy = read_times(read_url, headers, options.reads)
    attempt = next(a for action, a in job_state(engine, job_id)[2] if action == "job.attempt")
    solver = next(w for w in workers if attempt["worker"].endswith(f":{w.pid}"))
    per_block = max(1, options.reads // options.blocks)
    paired = paired_reads(read_url, headers, solver.pid, options.blocks, per_block)
    if options.no_kill:
        cancel = f"http://127.0.0.1:{ports[0]}/api/jobs/{job_id}/cancel"
        httpx.post(cancel, headers=headers, timeout=30).raise_for_status()
        until(lambda: job_state(engine, job_id)[0] in service.FINISHED, 300, "the job stopped")
        after = read_times(read_url, headers, options.reads)
        report_reads(options, idle, busy, after, paired)
        return
    os.killpg(solver.pid, signal.SIGKILL)
    killed = time.monotonic()

    def attempts() -> int:
        return sum(1 for action, _ in job_state(engine, job_id)[2] if action == "job.attempt")

    until(lambda: attempts() == 2, 120, "the second attempt")
    taken_over = time.monotonic() - killed
    until(lambda: job_state(engine, job_id)[0] in service.FINISHED, 900, "the job finished")
    done = time.monotonic() - began
    after = read_times(read_url, headers, options.reads)
    report_reads(options, idle, busy, after, paired)
    report(engine, job_id, taken_over, done)


def report_reads(
    options: argparse.Namespace,
    idle: list[float],
    busy: list[float],
    after: list[float],
    paired: tuple[list[float], list[float]],
) -> None:
    def figures(times: list[float]) -> str:
        return f"{statistics.median(times) * 1000:.0f} / {p95(times):.0f}"

    print(
        f"| {options.units} units, {options.time_limit:g} s limit, worker --cpu "
        f"{options.worker_cpu}, load average {os.getloadavg()[0]:.1f} | value |"
    )
    print("|---|---|")
    print(f"| read p50 / p95 idle (ms) | {figures(idle)} |")
    print(
        f"| read p50 / p95 during the solve (ms) | {figures(busy)}"
        f" ({p95(busy) / p95(idle):.2f}x idle p95) |"
    )
    print(f"| read p50 / p95 idle again, job done (ms) | {figures(after)} |")
    stopped, running = paired
    print(
        f"| paired, {len(stopped)} + {len(running)} reads in {options.blocks} blocks each: "
        f"solver stopped / running (ms) | {figures(stopped)} / {figures(running)} "
        f"(**{p95(running) / p95(stopped):.2f}x** p95) |"
    )


def report(engine: Engine, job_id: int, taken_over: float, total: float) -> None:
    with session_scope(engine) as session:
        job = service.get_job(session, job_id)
        stored = len(session.scalars(select(PlanRecord)).all())
        assert job.result is not None, job.error
        operation = get_operation(session)
        plan = get_plan(session, operation, job.result["plan"])
        violations = verify_plan(snapshot(session, operation.name), plan_document(plan)).violations
    print(f"| kill -9 to the other worker's attempt (s) | {taken_over:.1f} |")
    print(f"| submit to done, with the kill (s) | {total:.1f} |")
    print(f"| job | {job.status}, {job.attempts} attempts, {stored} plan stored |")
    print(f"| verifier | {len(violations)} violations |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--blocks", type=int, default=40, help="paired blocks of reads")
    parser.add_argument("--worker-cpu", choices=("idle", "low", "normal"), default="idle")
    parser.add_argument("--no-kill", action="store_true", help="cancel the job instead")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(options, Path(folder))


if __name__ == "__main__":
    main()
