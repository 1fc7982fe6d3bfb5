"""Planning as the rest of the application uses it: scenario in, plan document out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from mobilize.core.errors import InvalidPlan
from mobilize.planning.assemble import assemble_plan
from mobilize.planning.instance import build_instance
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.solve import ProgressListener, SolverConfig, solve_cp_sat, solve_greedy
from mobilize.scenario.schemas import Scenario

SolverName = Literal["cp-sat", "greedy"]


@dataclass(frozen=True)
class PlanRequest:
    solver: SolverName = "cp-sat"
    config: SolverConfig = field(default_factory=SolverConfig)


def make_plan(
    scenario: Scenario, request: PlanRequest, listener: ProgressListener | None = None
) -> PlanDocument:
    instance = build_instance(scenario)
    if request.solver == "greedy":
        deployments, solver = solve_greedy(instance)
    else:
        deployments, solver = solve_cp_sat(instance, request.config, listener)
    return assemble_plan(instance, deployments, solver)


def read_plan(path: Path) -> PlanDocument:
    """A plan JSON file, or `InvalidPlan` naming what is wrong with it."""
    try:
        return PlanDocument.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise InvalidPlan(f"{path}: no such file") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'plan'}: {e['msg']}"
            for e in error.errors()[:10]
        )
        raise InvalidPlan(f"{path}: not a plan ({problems})") from None
