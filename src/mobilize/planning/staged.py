"""Solving one model level by level: the lexicographic objective as staged CP-SAT solves.

Staged rather than weighted: each level is minimised with the levels above it held at their
best value found (`<=`), the previous stage's plan as the hint. Weights that provably keep the
order would need factors as large as the whole range of the lower levels (excess person-days
times moves times person-km...), which overflow the precision CP-SAT's LP relaxation works
with and blur its bounds; staged solves keep each bound meaningful and report an honest gap
per level.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from mobilize.planning.budget import Budget
from mobilize.planning.decompose import CapabilityRelaxation, LevelBounds, add_bounds
from mobilize.planning.evaluate import plan_score
from mobilize.planning.hints import all_variables, hint_deployments, hint_values
from mobilize.planning.model import LEVELS, DeploymentModel, add_whole_unit_cuts, level_order
from mobilize.planning.rules import keeps_caps
from mobilize.planning.schemas import StageDocument

# Share of the time limit each level may use; time a level does not use passes on.
LEVEL_SHARES = {
    "shortfall": 0.4,
    "excess": 0.3,
    "persistence": 0.2,  # a re-plan's level only (`model.level_order`)
    "moves": 0.1,
    "transport": 0.1,
    "seniority": 0.1,
}
# Share of a level's time the capabilities solved alone may use (`decompose`).
DECOMPOSE_SHARE = 0.1
# The least budget a level gets, even when the levels above used it all up.
SHORTEST_LEVEL = 0.2


# Deterministic work units per second of a default plan: roughly CP-SAT's rate with 8
# interleaved workers on a quiet development machine (docs/benchmarks.md), so that
# `SolverConfig(time_limit=60)` in repeatable mode takes about a minute there.
WORK_PER_SECOND = 1.0
# In repeatable mode the wall clock only stops a run that is far slower than expected: on a
# loaded machine deterministic time runs several times slower than on a quiet one
# (docs/benchmarks.md, "Figures behind the settings").
SAFETY_FACTOR = 10.0


@dataclass(frozen=True)
class SolverConfig:
    """Every limit of a solve. `repeatable` (the default): `work` deterministic units (by
    default `time_limit * WORK_PER_SECOND`), the wall clock a safety stop at
    `SAFETY_FACTOR * time_limit`; else `time_limit` seconds of wall clock (`budget`)."""

    time_limit: float = 60.0
    repeatable: bool = True
    work: float | None = None
    # CP-SAT threads in wall-clock mode, and in repeatable mode (`threads`).
    workers: int = 8
    repeatable_workers: int = 1
    seed: int = 0
    every_day: bool = False  # the plain daily model (for checking the segment model)
    # Above this many presence variables the whole model is too big to build and search in
    # the time given (it spends it in presolve); large neighbourhood search solves it a part
    # at a time instead (docs/benchmarks.md, "Figures behind the settings").
    full_model_limit: int = 10_000
    # Probing in presolve pays off on a whole model; on the many small models of the
    # neighbourhood search it takes more time than the search itself.
    probing: bool = True
    # Bound (and often solve) each level by the capabilities alone first (`decompose`).
    decompose: bool = True
    # Set from another thread to stop early (a cancelled job): the search stops at its next
    # solution or level and the best plan found so far is returned.
    stop: threading.Event | None = field(default=None, compare=False)

    @property
    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    @property
    def threads(self) -> int:
        """Wall clock: CP-SAT's portfolio (LP, core, LNS workers...) wants about 8 threads; on
        2 cores they share the time and still prove bounds far sooner than 2 do. Repeatable:
        the interleaved portfolio on one thread does more per unit of deterministic work than
        on 8 (docs/benchmarks.md, "Plans that repeat")."""
        return self.repeatable_workers if self.repeatable else self.workers

    @property
    def work_units(self) -> float:
        return self.work if self.work is not None else self.time_limit * WORK_PER_SECOND

    def budget(self) -> Budget:
        """The whole solve's budget, started now."""
        if self.repeatable:
            return Budget.start(True, self.work_units, self.time_limit * SAFETY_FACTOR)
        return Budget.start(False, self.time_limit, self.time_limit)


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
    budget: Budget,
    began: float,
    listener: ProgressListener | None = None,
    relaxation: CapabilityRelaxation | None = None,
) -> tuple[list[StageDocument], dict[int, int] | None]:
    """Each level in turn, the levels above held at their best; the last plan found.

    Each level gets its share of what is left of `budget`. With a `relaxation`, each level
    first gets the bounds of the capabilities solved alone (`decompose`); when those parts are
    proved and their union keeps the caps, the union is the level's optimum and the whole
    model is not searched at all."""
    stages: list[StageDocument] = []
    solution: dict[int, int] | None = None
    order = level_order(built.instance)
    for position, level in enumerate(order):
        if config.stopped and solution is not None:
            break
        share = LEVEL_SHARES[level] / sum(LEVEL_SHARES[name] for name in order[position:])
        level_budget = budget.part(max(SHORTEST_LEVEL, budget.remaining() * share))
        found, stage, values = None, None, None
        if relaxation is not None and relaxation.active:
            level_began = time.perf_counter()
            found = relaxation.solve_level(
                level, level_budget.part(level_budget.limit * DECOMPOSE_SHARE)
            )
            if found is not None:
                add_bounds(built, found)
                stage, values = _union_if_optimal(built, found, level_began)
        if stage is None:
            stage, values = _solve_level(built, level, level_budget, config, began, listener)
        stages.append(stage)
        if relaxation is not None:
            proved = stage.status == "optimal" and values is not None
            relaxation.settle(found, round(stage.objective) if proved else None)
        if values is None:
            break
        solution = values
        built.model.add(built.levels[level] <= round(stage.objective))
        if level == "shortfall" and round(stage.objective) == 0:
            add_whole_unit_cuts(built)
        hint_values(built, values)
    return stages, solution


def _union_if_optimal(
    built: DeploymentModel, found: LevelBounds, level_began: float
) -> tuple[StageDocument | None, dict[int, int] | None]:
    """The capabilities' plans together, when they are an optimal plan of the whole level."""
    if not found.proved or found.plan is None or not keeps_caps(built.instance, found.plan):
        return None, None
    if plan_score(built.instance, found.plan)[LEVELS.index(found.level)] != found.total:
        return None, None  # not what the model would count (should not happen): search instead
    values = hint_deployments(built, found.plan)
    seconds = round(time.perf_counter() - level_began, 3)
    stage = StageDocument(
        level=found.level,
        status="optimal",
        seconds=seconds,
        objective=found.total,
        bound=found.total,
    )
    return stage, values


def _solve_level(
    built: DeploymentModel,
    level: str,
    budget: Budget,
    config: SolverConfig,
    began: float,
    listener: ProgressListener | None,
) -> tuple[StageDocument, dict[int, int] | None]:
    built.model.minimize(built.levels[level])
    limit = max(SHORTEST_LEVEL, budget.remaining())
    run = budget.solver(limit, config.threads, config.seed, config.probing)
    solver = run.cp_sat
    stage_began = time.perf_counter()
    callback = _ProgressCallback(level, began, listener, config.stop)
    status = run.solve(built.model, callback)
    seconds = round(time.perf_counter() - stage_began, 3)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return StageDocument(
            level=level, status="no_solution", seconds=seconds, objective=0, bound=0
        ), None
    values = {var.index: solver.value(var) for var in all_variables(built)}
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
    def __init__(
        self,
        level: str,
        began: float,
        listener: ProgressListener | None,
        stop: threading.Event | None = None,
    ) -> None:
        super().__init__()
        self._level, self._began, self._listener, self._stop = level, began, listener, stop

    def on_solution_callback(self) -> None:
        if self._stop is not None and self._stop.is_set():
            self.stop_search()
        if self._listener is not None:
            elapsed = time.perf_counter() - self._began
            self._listener(
                Progress(self._level, elapsed, self.objective_value, self.best_objective_bound)
            )
