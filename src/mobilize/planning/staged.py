"""Solving one model level by level: the lexicographic objective as staged CP-SAT solves.

Staged rather than weighted: each level is minimised with the levels above it held at their
best value found (`<=`), the previous stage's plan as the hint. Weights that provably keep the
order would need factors as large as the whole range of the lower levels (excess person-days
times moves times person-km...), which overflow the precision CP-SAT's LP relaxation works
with and blur its bounds; staged solves keep each bound meaningful and report an honest gap
per level.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from mobilize.planning.evaluate import Deployment
from mobilize.planning.model import LEVELS, DeploymentModel, add_whole_unit_cuts
from mobilize.planning.schemas import StageDocument

# Share of the time limit each level may use; time a level does not use passes on.
LEVEL_SHARES = {"shortfall": 0.4, "excess": 0.3, "moves": 0.1, "transport": 0.1, "seniority": 0.1}


@dataclass(frozen=True)
class SolverConfig:
    time_limit: float = 60.0
    # CP-SAT's portfolio (LP, core, LNS workers...) wants about 8 threads; on 2 cores they
    # share the time, and still prove bounds far sooner than 2 workers do.
    workers: int = 8
    seed: int = 0
    every_day: bool = False  # the plain daily model (for checking the segment model)
    # Above this many presence variables the whole model is too big to build and search in
    # the time given; large neighbourhood search solves it a part at a time instead.
    full_model_limit: int = 150_000
    # Probing in presolve pays off on a whole model; on the many small models of the
    # neighbourhood search it takes more time than the search itself.
    probing: bool = True


@dataclass(frozen=True)
class Progress:
    level: str
    elapsed: float
    objective: float | None
    bound: float | None


ProgressListener = Callable[[Progress], None]


def staged_solve(
    built: DeploymentModel,
    config: SolverConfig,
    time_limit: float,
    began: float,
    listener: ProgressListener | None = None,
) -> tuple[list[StageDocument], dict[int, int] | None]:
    """Each level in turn, the levels above held at their best; the last plan found."""
    stage_began = time.perf_counter()
    stages: list[StageDocument] = []
    solution: dict[int, int] | None = None
    for position, level in enumerate(LEVELS):
        remaining = time_limit - (time.perf_counter() - stage_began)
        share = LEVEL_SHARES[level] / sum(LEVEL_SHARES[name] for name in LEVELS[position:])
        limit = max(0.2, remaining * share)
        stage, values = _solve_level(built, level, limit, config, began, listener)
        stages.append(stage)
        if values is None:
            break
        solution = values
        built.model.add(built.levels[level] <= round(stage.objective))
        if level == "shortfall" and round(stage.objective) == 0:
            add_whole_unit_cuts(built)
        _hint_values(built, values)
    return stages, solution


def _solve_level(
    built: DeploymentModel,
    level: str,
    time_limit: float,
    config: SolverConfig,
    began: float,
    listener: ProgressListener | None,
) -> tuple[StageDocument, dict[int, int] | None]:
    built.model.minimize(built.levels[level])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = config.workers
    solver.parameters.random_seed = config.seed
    if not config.probing:
        solver.parameters.cp_model_probing_level = 0
    stage_began = time.perf_counter()
    callback = _ProgressCallback(level, began, listener)
    status = solver.solve(built.model, callback)
    seconds = round(time.perf_counter() - stage_began, 3)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return StageDocument(
            level=level, status="no_solution", seconds=seconds, objective=0, bound=0
        ), None
    values = {var.index: solver.value(var) for var in _all_variables(built)}
    stage = StageDocument(
        level=level,
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        seconds=seconds,
        objective=solver.objective_value,
        bound=solver.best_objective_bound,
    )
    if listener is not None:
        listener(Progress(level, time.perf_counter() - began, stage.objective, stage.bound))
    return stage, values


class _ProgressCallback(cp_model.CpSolverSolutionCallback):
    def __init__(self, level: str, began: float, listener: ProgressListener | None) -> None:
        super().__init__()
        self._level, self._began, self._listener = level, began, listener

    def on_solution_callback(self) -> None:
        if self._listener is not None:
            elapsed = time.perf_counter() - self._began
            self._listener(
                Progress(self._level, elapsed, self.objective_value, self.best_objective_bound)
            )


def _all_variables(built: DeploymentModel) -> list[cp_model.IntVar]:
    return [*built.present.values(), *built.starts.values(), *built.shortfall.values()]


def _hint_values(built: DeploymentModel, values: dict[int, int]) -> None:
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    for var in _all_variables(built):
        built.model.add_hint(var, values[var.index])


def hint_deployments(built: DeploymentModel, deployments: tuple[Deployment, ...]) -> None:
    """Hint a plan given by days (the greedy one) as segment presence."""
    chosen = {d.unit: d for d in deployments}
    for (unit_id, location, k), var in built.present.items():
        segment, deployment = built.segments[k], chosen.get(unit_id)
        inside = (
            deployment is not None
            and deployment.location == location
            and deployment.first <= segment.first
            and segment.last <= deployment.last
        )
        built.model.add_hint(var, int(inside))


def extract_deployments(built: DeploymentModel, values: dict[int, int]) -> tuple[Deployment, ...]:
    found = []
    for unit_id, presence in built.presence_of.items():
        chosen = [(loc, k) for (loc, k), var in presence.items() if values[var.index]]
        if not chosen:
            continue
        location = chosen[0][0]
        first = min(built.segments[k].first for _, k in chosen)
        last = max(built.segments[k].last for _, k in chosen)
        found.append(Deployment(unit_id, location, first, last))
    return tuple(sorted(found))
