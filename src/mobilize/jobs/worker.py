"""Running a job: the attempt, the handler, the outcome; and the in-process worker.

A handler gets the job's parameters and a `JobContext` to report progress through (written to
the database at most every `PROGRESS_EVERY` seconds) and to learn of a cancel, which is a flag
in the job's row: it reaches the job wherever it runs. `JobRunner` is the same for every
queue; the in-process worker (SQLite, `make run`) claims jobs from the job table on a thread,
the Procrastinate worker (`mobilize worker`) is handed them by Procrastinate.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine

from mobilize.core.db import session_scope
from mobilize.core.errors import DatabaseUnavailable, MobilizeError
from mobilize.jobs import service

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 1.0  # seconds between progress writes: the solver reports far more often
# How long the outcome of a finished solve waits for a database that went away: a restart
# or a fail-over, not an outage (the job is then re-run, see `mobilize.jobs.queue`).
RECORD_WITHIN = 60.0
# A runner marks its job alive every BEAT_EVERY seconds; the in-process worker re-queues a
# running job silent for SILENT_AFTER seconds (its server was killed mid-solve).
BEAT_EVERY = 5.0
SILENT_AFTER = timedelta(seconds=30)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobContext:
    def __init__(self, engine: Engine, job_id: int) -> None:
        self._engine, self.job_id = engine, job_id
        self.stop = threading.Event()  # set when a cancel is seen; solvers watch it
        self._last = 0.0

    def progress(self, report: dict[str, Any], force: bool = False) -> None:
        """Store a progress report; a database away for a moment only loses the report."""
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        try:
            with session_scope(self._engine) as session:
                if service.report_progress(session, self.job_id, report):
                    self.stop.set()
        except DatabaseUnavailable as error:
            logger.warning("job %s: progress not stored: %s", self.job_id, error.message)


Handler = Callable[[dict[str, Any], JobContext], dict[str, Any]]
T = TypeVar("T")


def with_database_retries(work: Callable[[], T], within: float = RECORD_WITHIN) -> T:
    """Run `work` (a transaction of its own), again while the database is unreachable."""
    deadline = time.monotonic() + within
    while True:
        try:
            return work()
        except DatabaseUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


class JobRunner:
    """Runs one job: starts an attempt (or finds nothing to do), calls its handler, records
    the outcome. Handlers that store something finish the job in the same transaction."""

    def __init__(self, engine: Engine, key: bytes, handlers: dict[str, Handler]) -> None:
        self._engine, self._key, self._handlers = engine, key, handlers
        self.current: JobContext | None = None
        self.closing = threading.Event()  # set on shutdown: a running solve stops and stores

    def run(self, job_id: int, worker: str) -> bool:
        """Run job `job_id`; False when there was nothing to run (finished, cancelled)."""

        def start() -> tuple[str, dict[str, Any]] | None:
            with session_scope(self._engine) as session:
                job = service.start_attempt(session, self._key, job_id, worker)
                return None if job is None else (job.kind, dict(job.params))

        started = with_database_retries(start)
        if started is None:
            return False
        self.call(job_id, *started)
        return True

    def call(self, job_id: int, kind: str, params: dict[str, Any]) -> None:
        context = JobContext(self._engine, job_id)
        self.current = context
        if self.closing.is_set():
            context.stop.set()
        try:
            with self._heartbeat(job_id):
                result = self._handlers[kind](params, context)
        except MobilizeError as error:
            message = error.message
            self._record(lambda session: service.fail(session, self._key, job_id, message))
        except Exception:  # a bug in a handler: the job fails, the worker goes on
            trace = traceback.format_exc(limit=5)
            self._record(lambda session: service.fail(session, self._key, job_id, trace))
        else:
            self._record(lambda session: service.finish(session, self._key, job_id, result))
        finally:
            self.current = None

    @contextmanager
    def _heartbeat(self, job_id: int) -> Iterator[None]:
        """Mark the job alive on a thread of its own while the handler runs: a solve may go
        minutes without a progress report."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(BEAT_EVERY):
                try:
                    with session_scope(self._engine) as session:
                        service.beat(session, job_id)
                except DatabaseUnavailable:
                    pass  # the next beat tries again; a long outage makes the job look lost

        thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def stop(self) -> None:
        """Shutting down: the running solve stops at its next solution or level and stores
        its best plan; no job starts a solve after this."""
        self.closing.set()
        current = self.current
        if current is not None:
            current.stop.set()

    def _record(self, change: Callable[[Any], object]) -> None:
        def work() -> None:
            with session_scope(self._engine) as session:
                change(session)

        with_database_retries(work)


class InProcessWorker:
    """Runs queued jobs on a thread of the server, one at a time (the embedded default)."""

    def __init__(self, engine: Engine, key: bytes, handlers: dict[str, Handler]) -> None:
        self._engine, self._key = engine, key
        self._runner = JobRunner(engine, key, handlers)
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    def recover(self) -> list[int]:
        """Re-queue running jobs whose runner went silent (a server killed mid-solve)."""
        with session_scope(self._engine) as session:
            return service.requeue_silent(session, self._key, SILENT_AFTER)

    def run_once(self) -> int | None:
        """Run the oldest queued job to its end; its id, or None when nothing was queued."""
        with session_scope(self._engine) as session:
            job_id = service.claim_next(session)
            if job_id is None:
                return None
            job = service.start_attempt(session, self._key, job_id, worker_name())
            started = None if job is None else (job.kind, dict(job.params))
        if started is not None:
            self._runner.call(job_id, *started)
        return job_id

    def start(self) -> None:
        """Run jobs on a background thread until `close`; `notify` after a submit."""
        self._thread = threading.Thread(target=self._loop, name="mobilize-jobs", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def close(self) -> None:
        """Stop: a running solve ends at its next solution or level and is stored."""
        self._closing.set()
        self._runner.stop()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._closing.is_set():
            try:
                self.recover()
                ran = self.run_once()
            except Exception:  # the database is away: the server goes on, the worker retries
                logger.exception("job worker: could not claim or record a job; retrying")
                ran = None
            if ran is None:
                self._wake.wait(timeout=5.0)  # a submit elsewhere is seen within seconds
                self._wake.clear()
