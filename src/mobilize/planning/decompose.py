"""Bounds from solving each capability alone: a relaxation that is often exact.

Every level of the objective is a sum over capabilities (a cell has one capability, a unit has
one), and only caps tie capabilities together. Dropping the caps, each capability is a small
problem of its own, with its own, coarser decision days (its data change days are a subset of
the whole problem's, closed under fewer lengths, so its plans are plans of the whole model too).

For a level L, with the levels above pinned per capability (below), the optimum of L for
capability c alone bounds L_c in the whole problem from below: `L_c >= bound_c` is added to the
whole model, a redundant constraint that CP-SAT's relaxation otherwise misses. When the sum of
the bounds equals the whole level's optimum, each L_c equals its bound in every optimal plan,
so the next level may pin `L_c <= bound_c` in each capability's model. And when every
capability is solved to optimality and the union of their plans keeps the caps, that union is
an optimal plan of the whole level (lexicographic minima of independent parts add up).

On the reference scenario the parts are solved in milliseconds and their sums are exact on all
five levels; that is what makes every level provable in a few seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from mobilize.planning.budget import Budget
from mobilize.planning.evaluate import Deployment
from mobilize.planning.greedy import greedy_plan
from mobilize.planning.hints import (
    all_variables,
    extract_deployments,
    hint_deployments,
    hint_values,
)
from mobilize.planning.instance import PlanningInstance
from mobilize.planning.model import DeploymentModel, add_whole_unit_cuts, build_model
from mobilize.planning.segments import segments


@dataclass(frozen=True)
class LevelBounds:
    level: str
    bounds: dict[str, int]  # capability -> lower bound of the level's part
    plan: tuple[Deployment, ...] | None  # union of the parts' plans, when every part was solved
    proved: bool  # every part solved to optimality

    @property
    def total(self) -> int:
        return sum(self.bounds.values())


def capability_instance(instance: PlanningInstance, capability: str) -> PlanningInstance:
    """The units and needs of one capability, without caps."""
    return replace(
        instance,
        units=tuple(u for u in instance.units if u.capability == capability),
        needs=tuple(n for n in instance.needs if n.capability == capability),
        caps=(),
    )


class CapabilityRelaxation:
    """One model per capability, caps dropped, solved level by level alongside the whole."""

    def __init__(self, instance: PlanningInstance, workers: int, seed: int) -> None:
        self.instance = instance
        self.workers, self.seed = workers, seed
        self.active = True
        self.parts: dict[str, DeploymentModel] = {}
        capabilities = {u.capability for u in instance.units}
        capabilities |= {capability for (_, capability) in instance.demand}
        for capability in sorted(capabilities):
            alone = capability_instance(instance, capability)
            part = build_model(alone, segments(alone))
            hint_deployments(part, greedy_plan(alone))
            self.parts[capability] = part

    def solve_level(self, level: str, budget: Budget) -> LevelBounds | None:
        """Each capability's least value of `level`, within `budget` in all."""
        if not self.active:
            return None
        bounds: dict[str, int] = {}
        plans: list[Deployment] = []
        proved = complete = True
        for position, (capability, part) in enumerate(self.parts.items()):
            part.model.minimize(part.levels[level])
            share = max(0.05, budget.remaining() / (len(self.parts) - position))
            run = budget.solver(share, self.workers, self.seed)
            solver = run.cp_sat
            status = run.solve(part.model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                proved = complete = False
                continue
            bounds[capability] = math.ceil(solver.best_objective_bound - 1e-6)
            proved = proved and status == cp_model.OPTIMAL
            values = {var.index: solver.value(var) for var in all_variables(part)}
            hint_values(part, values)
            plans.extend(extract_deployments(part, values))
        return LevelBounds(level, bounds, tuple(sorted(plans)) if complete else None, proved)

    def settle(self, found: LevelBounds | None, optimum: int | None) -> None:
        """After the whole level: pin each part at its bound when the bounds add up to the
        level's optimum, else stop (lower levels' parts would no longer be bounds)."""
        if (
            not self.active
            or found is None
            or optimum is None
            or len(found.bounds) != len(self.parts)
            or found.total != optimum
        ):
            self.active = False
            return
        for capability, part in self.parts.items():
            bound = found.bounds[capability]
            part.model.add(part.levels[found.level] <= bound)
            if found.level == "shortfall" and bound == 0:
                add_whole_unit_cuts(part)


def shortfall_bound_by_capability(
    instance: PlanningInstance, workers: int, seed: int, budget: Budget
) -> int:
    """A valid lower bound on shortfall person-days: each capability alone, caps dropped.

    Each part's bound counts even when its solve stops early (CP-SAT's best bound is valid),
    so the sum is valid whatever the time allows. On the generated 100-unit scenario it is
    well above counting (docs/benchmarks.md)."""
    found = shortfall_by_capability(instance, workers, seed, budget)
    return found.total if found is not None else 0


def shortfall_by_capability(
    instance: PlanningInstance, workers: int, seed: int, budget: Budget
) -> LevelBounds | None:
    """Each capability's shortfall bound and, when every part found one, the union of their
    plans (which may break caps: `repair` fits it under them)."""
    return CapabilityRelaxation(instance, workers, seed).solve_level("shortfall", budget)


def add_bounds(built: DeploymentModel, found: LevelBounds) -> None:
    """The parts' bounds as redundant constraints of the whole model."""
    parts = built.by_capability.get(found.level, {})
    for capability, bound in found.bounds.items():
        expression = parts.get(capability)
        if bound > 0 and expression is not None and not isinstance(expression, int):
            built.model.add(expression >= bound)
    built.model.add(built.levels[found.level] >= found.total)
