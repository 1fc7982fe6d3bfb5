"""The in-process worker: runs queued jobs on a thread, one at a time.

A handler gets the job's parameters and a `JobContext` to report progress through (written to
the database at most every `PROGRESS_EVERY` seconds) and to learn of a cancel. A distributed
queue would replace this class and keep the same handlers and the same job table.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from mobilize.core.db import session_scope
from mobilize.core.errors import MobilizeError
from mobilize.jobs import service

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 1.0  # seconds between progress writes: the solver reports far more often


class JobContext:
    def __init__(self, engine: Engine, job_id: int, requested_by: str) -> None:
        self._engine, self._job_id = engine, job_id
        self.requested_by = requested_by  # whose job it is: what it stores is audited as theirs
        self.stop = threading.Event()  # set when a cancel is seen; solvers watch it
        self._last = 0.0

    def progress(self, report: dict[str, Any], force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        with session_scope(self._engine) as session:
            if service.report_progress(session, self._job_id, report):
                self.stop.set()


Handler = Callable[[dict[str, Any], JobContext], dict[str, Any]]


class InProcessWorker:
    def __init__(self, engine: Engine, key: bytes, handlers: dict[str, Handler]) -> None:
        self._engine, self._key, self._handlers = engine, key, handlers
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._current: JobContext | None = None

    def run_once(self) -> int | None:
        """Run the oldest queued job to its end; its id, or None when nothing was queued."""
        with session_scope(self._engine) as session:
            job = service.claim_next(session)
            if job is None:
                return None
            job_id, kind, params = job.id, job.kind, dict(job.params)
            requested_by = job.requested_by
        context = JobContext(self._engine, job_id, requested_by)
        self._current = context
        if self._closing.is_set():
            context.stop.set()
        try:
            result = self._handlers[kind](params, context)
        except MobilizeError as error:
            self._fail(job_id, error.message)
        except Exception:  # a bug in a handler: the job fails, the worker goes on
            self._fail(job_id, traceback.format_exc(limit=5))
        else:
            with session_scope(self._engine) as session:
                service.finish(session, self._key, job_id, result)
        finally:
            self._current = None
        return job_id

    def _fail(self, job_id: int, error: str) -> None:
        with session_scope(self._engine) as session:
            service.fail(session, self._key, job_id, error)

    def start(self) -> None:
        """Run jobs on a background thread until `close`; `notify` after a submit."""
        self._thread = threading.Thread(target=self._loop, name="mobilize-jobs", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def close(self) -> None:
        """Stop: a running solve ends at its next solution or level and is stored."""
        self._closing.set()
        current = self._current
        if current is not None:
            current.stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._closing.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the database is away: the server goes on, the worker retries
                logger.exception("job worker: could not claim or record a job; retrying")
                ran = None
            if ran is None:
                self._wake.wait(timeout=5.0)  # a submit elsewhere is seen within seconds
                self._wake.clear()
