"""`mobilize worker`: runs jobs that Procrastinate hands it, and re-runs those of lost workers.

Each worker sends Procrastinate a heartbeat every `HEARTBEAT` seconds. Every `RECOVER_EVERY`
seconds each worker asks Procrastinate for the jobs still marked running by a worker silent
for `STALLED_AFTER` seconds (killed, out of memory, its machine gone) and puts them back in
the queue; whichever worker takes one runs it from the start, as attempt n+1 in the audit
trail, until `MAX_ATTEMPTS` (then the job fails saying why). A lost job is thus re-run within
about STALLED_AFTER + RECOVER_EVERY seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable

import procrastinate
from procrastinate.exceptions import ProcrastinateException
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from mobilize.core.db import session_scope
from mobilize.core.errors import DatabaseUnavailable
from mobilize.jobs import service
from mobilize.jobs.queue import QUEUES, RUN_JOB_TASK
from mobilize.jobs.worker import Handler, JobRunner, worker_name

logger = logging.getLogger(__name__)
HEARTBEAT = 5.0
STALLED_AFTER = 20.0
RECOVER_EVERY = 5.0


def libpq_url(database_url: str) -> str:
    """Our SQLAlchemy URL as libpq reads it (the schema option, if any, kept)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def procrastinate_app(engine: Engine, runner: JobRunner) -> procrastinate.App:
    """A Procrastinate app whose one task runs a job of the job table by its id."""
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(engine.url.render_as_string(hide_password=False)),
        min_size=1,
        max_size=4,
    )
    app = procrastinate.App(connector=connector)
    name = worker_name()

    # Sync: Procrastinate runs it on a thread, so heartbeats go on during a solve. A database
    # that stays away past the runner's own retries gets Procrastinate's retries.
    @app.task(
        name=RUN_JOB_TASK,
        retry=procrastinate.RetryStrategy(
            max_attempts=3, wait=10, retry_exceptions={DatabaseUnavailable}
        ),
    )
    def run_job(job_id: int) -> None:
        runner.run(job_id, name)

    return app


async def recover_stalled(app: procrastinate.App, engine: Engine, key: bytes) -> None:
    """Forever: put the jobs of silent workers back in the queue."""
    while True:
        await asyncio.sleep(RECOVER_EVERY)
        try:
            stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER)
            for job in stalled:
                await _requeue(app, engine, key, job)
        except (DatabaseUnavailable, ProcrastinateException, OSError) as error:
            logger.warning("recovering stalled jobs failed, will retry: %s", error)


async def _requeue(
    app: procrastinate.App, engine: Engine, key: bytes, job: procrastinate.jobs.Job
) -> None:
    assert job.id is not None
    try:
        await app.job_manager.retry_job(job)
    except ProcrastinateException:
        return  # another worker re-queued it first
    job_id = int(str(job.task_kwargs["job_id"]))
    reason = f"its worker sent no heartbeat for {STALLED_AFTER:g} s (lost)"
    logger.warning("job %s: %s; re-queued", job_id, reason)

    def record() -> None:
        with session_scope(engine) as session:
            service.requeue_lost(session, key, job_id, reason)

    await asyncio.to_thread(record)


async def run_worker(
    engine: Engine,
    key: bytes,
    handlers: dict[str, Handler],
    queues: Iterable[str] = QUEUES,
    concurrency: int = 1,
) -> None:
    """Run jobs of `queues`, `concurrency` at a time, until SIGINT or SIGTERM. On either, a
    running solve stops at its next solution or level and stores its best plan, then the
    worker leaves (Procrastinate's own handlers would wait for the whole time limit)."""
    runner = JobRunner(engine, key, handlers)
    app = procrastinate_app(engine, runner)
    async with app.open_async():
        recovery = asyncio.create_task(recover_stalled(app, engine, key))
        work = asyncio.create_task(
            app.run_worker_async(
                queues=list(queues),
                concurrency=concurrency,
                name=worker_name(),
                update_heartbeat_interval=HEARTBEAT,
                stalled_worker_timeout=STALLED_AFTER,
                install_signal_handlers=False,
            )
        )

        def shut_down() -> None:
            runner.stop()
            work.cancel()  # Procrastinate then waits for the running job: now a short wait

        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, shut_down)
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await work
        finally:
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery
