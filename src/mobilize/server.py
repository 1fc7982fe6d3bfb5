"""The composition root: the one module that knows every part and puts them together.

`create_app()` opens the database (its schema checked, or made on first use, under the schema
lock), picks the job queue, mounts the JSON API's routers, the load balancer's probes and the
web application, and runs the in-process worker when the queue is the in-process one. No
other module imports this one; `api` and `web` are siblings over the services
(`tests/test_layers.py`).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from mobilize.api.app import general
from mobilize.api.health import router as health_router
from mobilize.api.housekeeping import housekeeping
from mobilize.api.inbox import router as inbox_router
from mobilize.api.jobs import router as jobs_router
from mobilize.api.operations import router as operations_router
from mobilize.api.requests import router as requests_router
from mobilize.audit.sealer import Sealer
from mobilize.audit.witness import FileWitness
from mobilize.auth.failures import FailureGate
from mobilize.core.db import make_engine
from mobilize.core.migrate import ensure_schema
from mobilize.core.settings import Settings, audit_key, load_settings, witness_file
from mobilize.edge.context import ApiContext, RefuseShutSources
from mobilize.edge.problems import install_problem_handlers, problem_responses
from mobilize.inbox.mail import Mailer
from mobilize.jobs.handlers import job_handlers
from mobilize.jobs.queue import InProcessQueue, make_queue
from mobilize.web.app import error_page, install_web


def create_app(settings: Settings | None = None, run_jobs: bool = True) -> FastAPI:
    """The app. With the in-process queue and `run_jobs`, a thread runs jobs while it serves;
    with a queue of worker processes, this process never runs a job."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    key = audit_key(settings)
    queue = make_queue(settings, engine, key, job_handlers(engine, key))
    runs_jobs = run_jobs and isinstance(queue, InProcessQueue)
    witness = FileWitness(witness_file(settings))
    gate = FailureGate()  # addresses past their failures, refused by this process alone

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # FastAPI runs each (synchronous) route on this limiter's threads.
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        # The sealer signs tree heads every few seconds (`audit.sealer`); like the in-process
        # worker, it runs in the serving app, not under the tests that drive it themselves.
        tidy = housekeeping(key, gate, settings.token_failures_per_minute)
        sealer = Sealer(engine, key, witness, before_seal=tidy)
        # Notifications are e-mailed by a sweep of the outbox in each server (`inbox.mail`).
        mailer = Mailer(engine, settings.smtp) if settings.smtp and run_jobs else None
        if run_jobs:
            sealer.start()
        if mailer is not None:
            mailer.start()
        if runs_jobs:
            assert isinstance(queue, InProcessQueue)
            queue.worker.start()
        try:
            yield
        finally:
            if runs_jobs:
                assert isinstance(queue, InProcessQueue)
                queue.worker.close()
            if run_jobs:
                sealer.close()
            if mailer is not None:
                mailer.close()

    app = FastAPI(
        title="mobilize",
        summary="Interagency support requests and deployment planning.",
        version="0.1.0",
        lifespan=lifespan,
        # The interactive docs pages load their scripts from a CDN, which an air-gapped
        # network does not reach: the schema is at /openapi.json for any local viewer.
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = ApiContext(
        engine=engine,
        audit_key=key,
        queue=queue,
        witness=witness,
        token_failures_per_minute=settings.token_failures_per_minute,
        failure_gate=gate,
        smtp=settings.smtp,
    )
    app.state.queue = queue
    install_problem_handlers(app, page_error=error_page)
    app.include_router(health_router)
    # Every route authenticates, so any may answer 429 to an address past its failures.
    throttled = problem_responses(429)
    for router in (general, requests_router, operations_router, jobs_router, inbox_router):
        app.include_router(router, responses=throttled)
    # Before any routing: an address shut for the minute costs no more (`edge.context`).
    app.add_middleware(RefuseShutSources, gate=gate, limit=settings.token_failures_per_minute)
    install_web(app)  # its headers wrap every answer, that refusal's too
    return app


def serving_app() -> FastAPI:
    """The app as `mobilize serve` runs it in each worker process: built, then everything made
    so far (modules, routes, templates: objects that live as long as the process) moved out
    of the garbage collector's sight (`gc.freeze`), so that a full collection in the middle
    of a request walks only what requests made. Not in `create_app`: tests build many apps in
    one process and need theirs collected."""
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
