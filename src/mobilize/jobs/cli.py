"""`mobilize worker`: the worker tier's process (see `mobilize.jobs.procrastinate_worker`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from mobilize.cli_support import open_engine, signing_key, stderr
from mobilize.core.cpu import CPU_PRIORITIES, lower_priority
from mobilize.core.db import database_name
from mobilize.core.errors import InvalidInput
from mobilize.jobs.handlers import job_handlers
from mobilize.jobs.procrastinate_worker import run_worker
from mobilize.jobs.queue import QUEUES


def worker(
    queues: Annotated[
        str, typer.Option(help="Comma-separated queues to take jobs from: plan, passes, io.")
    ] = ",".join(QUEUES),
    concurrency: Annotated[
        int, typer.Option(min=1, help="Jobs at once (1 for solves: CP-SAT takes the cores).")
    ] = 1,
    cpu: Annotated[
        str,
        typer.Option(
            help="CPU priority of the solves: idle (requests on this machine always go "
            "first), low (nice 10) or normal (a machine of the worker's own)."
        ),
    ] = "idle",
) -> None:
    """Run jobs from the PostgreSQL queue until stopped (SIGTERM lets a running solve store
    its best plan so far); jobs of lost workers are re-run. Servers need
    MOBILIZE_JOB_QUEUE=procrastinate to send their jobs here."""
    if cpu not in CPU_PRIORITIES:
        raise InvalidInput(f"--cpu {cpu!r}: use one of {', '.join(CPU_PRIORITIES)}")
    chosen = [name.strip() for name in queues.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(QUEUES))
    if unknown or not chosen:
        raise InvalidInput(f"--queues {queues!r}: use some of {', '.join(QUEUES)}")
    engine = open_engine()
    if engine.dialect.name != "postgresql":
        raise InvalidInput(
            "mobilize worker needs PostgreSQL (MOBILIZE_DATABASE_URL); on SQLite the server "
            "runs jobs itself"
        )
    # Before the worker starts its threads (they inherit it), after every refusal (a refused
    # command changes nothing).
    priority = lower_priority(cpu)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stderr.print(
        f"worker on {database_name(engine)}: queues {', '.join(chosen)}, {concurrency} at "
        f"once, {priority}"
    )
    key = signing_key()
    asyncio.run(run_worker(engine, key, job_handlers(engine, key), chosen, concurrency))


def register(app: typer.Typer) -> None:
    app.command()(worker)
