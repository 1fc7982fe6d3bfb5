"""The plan job: `mobilize plan --operation` as a job (`operations.plan_run`).

Idempotent: the plan is stored and the job finished in one transaction, with the job's row
locked; a second run of the same job (re-delivered after its worker was thought lost) finds it
finished and stores nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mobilize.jobs import service
from mobilize.jobs.worker import Handler, JobContext, with_database_retries
from mobilize.operations.plan_run import plan_operation
from mobilize.operations.plans import store_plan
from mobilize.passes.service import PassRequest
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest
from mobilize.planning.solve import Progress, SolverConfig
from mobilize.scenario.schemas import Scenario

PLAN_JOB = "plan"


def plan_params(
    operation: str, time_limit: float = 60.0, workers: int = 8, seed: int = 0
) -> dict[str, Any]:
    return {"operation": operation, "time_limit": time_limit, "workers": workers, "seed": seed}


def plan_handler(engine: Engine, key: bytes) -> Handler:
    def run(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        config = SolverConfig(
            time_limit=float(params["time_limit"]),
            workers=int(params["workers"]),
            seed=int(params["seed"]),
            stop=context.stop,
        )

        best_short: list[float] = []  # the shortfall level's best so far, kept past it

        def listen(progress: Progress) -> None:
            if progress.level.startswith("shortfall") and progress.objective is not None:
                best_short[:] = [progress.objective]
            shown = asdict(progress) | {"time_limit": config.time_limit}
            context.progress(shown | ({"short": best_short[0]} if best_short else {}))

        def store(session: Session, scenario: Scenario, document: PlanDocument) -> dict[str, Any]:
            job = service.lock_job(session, context.job_id)
            if job.status in service.FINISHED and job.result is not None:
                return job.result  # stored by another run of this job
            solver = document.solver
            result = {
                "operation": scenario.name,
                "plan": store_plan(session, key, scenario, document, job.requested_by).number,
                "status": solver.status if solver else None,
                "gap": solver.gap if solver else None,
            }
            service.finish(session, key, context.job_id, result)
            return result

        passes = PassRequest(workers=config.workers, seed=config.seed)
        run = plan_operation(
            engine,
            params["operation"],
            PlanRequest(config=config),
            passes,
            store,
            listen,
            with_database_retries,
        )
        return run.stored

    return run
