"""Fitting the capabilities' own plans under the caps: a start for the neighbourhood search.

Each capability solved alone without caps (`decompose`) has a plan whose shortfall is close to
its bound; together those plans break a cap on the days several capabilities want active
units at once. Keeping only what they have — a unit may stay shorter than in its
capability's plan, or not come at all, never longer or elsewhere — and asking CP-SAT for the
least shortfall under the caps is a small model (every other presence is fixed at absent) and,
on cap-bound scenarios, a far better start than greedy's (docs/benchmarks.md, "The 100-unit
gap"). Any plan of that model is a plan of the whole model, so it keeps every rule.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from mobilize.planning.budget import Budget
from mobilize.planning.evaluate import Deployment
from mobilize.planning.hints import all_variables, extract_deployments
from mobilize.planning.instance import PlanningInstance
from mobilize.planning.model import DeploymentModel, build_model
from mobilize.planning.segments import Segment


def fit_under_caps(
    instance: PlanningInstance,
    parts: list[Segment],
    plan: tuple[Deployment, ...],
    budget: Budget,
    workers: int,
    seed: int,
) -> tuple[Deployment, ...] | None:
    """The plan of least shortfall found within `budget` among those inside `plan` (which
    may break caps), or None when CP-SAT found none in the time."""
    built = build_model(instance, parts)
    _keep_only(built, _presence_of(plan, parts))
    built.model.minimize(built.levels["shortfall"])
    run = budget.solver(budget.remaining(), workers, seed)
    status = run.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = {var.index: run.cp_sat.value(var) for var in all_variables(built)}
    return extract_deployments(built, values)


def _presence_of(plan: tuple[Deployment, ...], parts: list[Segment]) -> set[tuple[str, str, int]]:
    """(unit, location, segment) for every segment a deployment of `plan` fills."""
    return {
        (deployment.unit, deployment.location, segment.index)
        for deployment in plan
        for segment in parts
        if deployment.first <= segment.first and segment.last <= deployment.last
    }


def _keep_only(built: DeploymentModel, allowed: set[tuple[str, str, int]]) -> None:
    """Every presence outside `allowed` fixed at absent (presolve removes them)."""
    for key, var in built.present.items():
        if key not in allowed:
            built.model.add(var == 0)
