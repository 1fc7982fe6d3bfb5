"""Every kind of job and its handler: what a server's in-process worker and `mobilize worker`
both run."""

from __future__ import annotations

from sqlalchemy import Engine

from mobilize.jobs.plan_job import PLAN_JOB, plan_handler
from mobilize.jobs.worker import Handler


def job_handlers(engine: Engine, key: bytes) -> dict[str, Handler]:
    return {PLAN_JOB: plan_handler(engine, key)}
