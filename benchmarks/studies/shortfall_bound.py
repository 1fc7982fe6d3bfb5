"""Where the optimum of the shortfall level lies on a generated scenario, and how the cap binds.

A study, not part of `make bench` (it runs for minutes): the capabilities solved alone without
the cap (`planning.decompose`), by how much their plans together break the cap, then the whole
model with their bounds added, searched by CP-SAT for `--seconds`, printing every better plan
and the bound. Measured on 2026-11-28 (2 cores, 100 units, 566 s): best 220,753, bound
200,948 throughout (docs/benchmarks.md).

`python benchmarks/studies/shortfall_bound.py [--units 100] [--seconds 600] [--workers 8]`
"""

from __future__ import annotations

import argparse
import time

from ortools.sat.python import cp_model

from mobilize.planning.budget import Budget
from mobilize.planning.decompose import CapabilityRelaxation, add_bounds
from mobilize.planning.evaluate import Deployment, present_by_component
from mobilize.planning.greedy import greedy_plan
from mobilize.planning.hints import hint_deployments
from mobilize.planning.instance import PlanningInstance, build_instance
from mobilize.planning.model import build_model
from mobilize.planning.segments import segments
from mobilize.scenario.generator import GeneratorSettings, generate_scenario


class _Printer(cp_model.CpSolverSolutionCallback):
    def __init__(self) -> None:
        super().__init__()
        self.began = time.perf_counter()

    def on_solution_callback(self) -> None:
        seconds = time.perf_counter() - self.began
        print(
            f"{seconds:7.1f} s  plan {self.objective_value:,.0f}  "
            f"bound {self.best_objective_bound:,.0f}",
            flush=True,
        )


def cap_overload(instance: PlanningInstance, plan: tuple[Deployment, ...]) -> tuple[int, int, int]:
    """(days over, most personnel over, person-days over) of the first cap."""
    cap = instance.caps[0]
    present = present_by_component(instance, plan)
    load = present[cap.component.value if cap.component is not None else "all"]
    over = [max(0, load[day] - cap.max_personnel) for day in range(cap.first, cap.last + 1)]
    return sum(1 for value in over if value), max(over, default=0), sum(over)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=8)
    options = parser.parse_args()
    settings = GeneratorSettings(units=options.units, locations=12, days=120, seed=1)
    instance = build_instance(generate_scenario(settings))
    relaxation = CapabilityRelaxation(instance, options.workers, seed=0)
    found = relaxation.solve_level("shortfall", Budget.start(False, 60.0, 60.0))
    assert found is not None
    print(f"capabilities alone, no cap: {found.bounds} = {found.total:,} (proved: {found.proved})")
    if found.plan is not None and instance.caps:
        days, most, person_days = cap_overload(instance, found.plan)
        print(f"their plans together: over the cap on {days} days, by up to {most:,} personnel,")
        print(f"{person_days:,} person-days over in all")
    built = build_model(instance, segments(instance))
    hint_deployments(built, greedy_plan(instance))
    add_bounds(built, found)
    built.model.minimize(built.levels["shortfall"])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = options.seconds
    solver.parameters.num_workers = options.workers
    status = solver.solve(built.model, _Printer())
    print(
        f"{solver.status_name(status)} after {solver.wall_time:.0f} s: plan "
        f"{solver.objective_value:,.0f}, bound {solver.best_objective_bound:,.0f}"
    )


if __name__ == "__main__":
    main()
