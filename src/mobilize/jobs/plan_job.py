"""The plan job: `mobilize plan --operation` as a job (snapshot, solve, store).

Idempotent: the plan is stored and the job finished in one transaction, with the job's row
locked; a second run of the same job (re-delivered after its worker was thought lost) finds it
finished and stores nothing.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Engine

from mobilize.core.db import session_scope
from mobilize.jobs import service
from mobilize.jobs.worker import Handler, JobContext, with_database_retries
from mobilize.operations.plans import adopted_document, snapshot, store_plan
from mobilize.operations.service import get_operation
from mobilize.passes.service import PassRequest, with_passes
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import Progress, SolverConfig

PLAN_JOB = "plan"


def plan_params(
    operation: str, time_limit: float = 60.0, workers: int = 8, seed: int = 0
) -> dict[str, Any]:
    return {"operation": operation, "time_limit": time_limit, "workers": workers, "seed": seed}


def plan_handler(engine: Engine, key: bytes) -> Handler:
    def run(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        with session_scope(engine) as session:
            scenario = snapshot(session, params["operation"])
            previous = adopted_document(session, get_operation(session, scenario.name))
        config = SolverConfig(
            time_limit=float(params["time_limit"]),
            workers=int(params["workers"]),
            seed=int(params["seed"]),
        )
        config = replace(config, stop=context.stop)

        def listen(progress: Progress) -> None:
            context.progress(asdict(progress))

        document = make_plan(scenario, PlanRequest(config=config, adopted=previous), listen)
        if not context.stop.is_set():
            passes = PassRequest(workers=config.workers, seed=config.seed)
            document = with_passes(scenario, document, passes, listen)
        solver = document.solver

        def store() -> dict[str, Any]:
            with session_scope(engine) as session:
                job = service.lock_job(session, context.job_id)
                if job.status in service.FINISHED and job.result is not None:
                    return job.result
                number = store_plan(session, key, scenario, document).number
                result = {
                    "operation": scenario.name,
                    "plan": number,
                    "status": solver.status if solver else None,
                    "gap": solver.gap if solver else None,
                }
                service.finish(session, key, context.job_id, result)
                return result

        return with_database_retries(store)

    return run
