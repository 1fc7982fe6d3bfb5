"""The plain time-indexed CP-SAT model: the second baseline of `benchmarks/planner.py`.

What one would write first: a Boolean per unit, place and day; a unit deployed on start stays
at its place until withdrawn; any other unit starts at most once, somewhere it is needed, and
stays at most its maximum; caps per day; a shortfall variable per place, capability and day;
staged objectives (shortfall, then excess, then moves) under a wall-clock limit, no hint, no
decision days, no decomposition. Every plan it returns goes through the same verifier.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from mobilize.planning.evaluate import Deployment, counts_towards
from mobilize.planning.instance import PlanningInstance, PlanningUnit
from mobilize.planning.schemas import SolverDocument, StageDocument

STAGE_SHARES = (("shortfall", 0.5), ("excess", 0.3), ("moves", 0.2))

Key = tuple[str, str, int]  # (unit, location, day)


@dataclass
class TimeIndexedModel:
    instance: PlanningInstance
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    present: dict[Key, cp_model.IntVar] = field(default_factory=dict)
    levels: dict[str, cp_model.LinearExprT] = field(default_factory=dict)


def build_time_indexed(instance: PlanningInstance) -> TimeIndexedModel:
    built = TimeIndexedModel(instance)
    needed_at: dict[str, set[str]] = defaultdict(set)
    for (location, capability), demand in instance.demand.items():
        if any(demand):
            needed_at[capability].add(location)
    moves: list[cp_model.LinearExprT] = []
    for unit in instance.units:
        if unit.location is not None:
            moves.append(_deployed(built, unit))
        else:
            moves.append(_fresh(built, unit, sorted(needed_at[unit.capability])))
    _caps(built)
    shortfall, covered = _coverage(built)
    required = sum(sum(row) for row in instance.demand.values())
    built.levels = {
        "shortfall": shortfall,
        "excess": covered - required + shortfall,
        "moves": cp_model.LinearExpr.sum(moves),
    }
    return built


def _deployed(built: TimeIndexedModel, unit: PlanningUnit) -> cp_model.LinearExprT:
    """Present from day 0 until withdrawn; the move it makes unless present on the last day."""
    assert unit.location is not None
    previous = None
    for day in range(0, unit.latest_last + 1):
        var = built.model.new_bool_var("")
        built.present[(unit.id, unit.location, day)] = var
        if previous is not None:
            built.model.add_implication(var, previous)
        previous = var
    last = built.present.get((unit.id, unit.location, built.instance.horizon - 1))
    return 1 if last is None else 1 - last


def _fresh(
    built: TimeIndexedModel, unit: PlanningUnit, locations: list[str]
) -> cp_model.LinearExprT:
    """At most one start in all (so one place and one run), at most its maximum days."""
    model = built.model
    starts: list[cp_model.IntVar] = []
    days: list[cp_model.IntVar] = []
    still_there: list[cp_model.IntVar] = []
    for location in locations:
        previous = None
        for day in range(unit.earliest_first, unit.latest_last + 1):
            var = model.new_bool_var("")
            start = model.new_bool_var("")
            built.present[(unit.id, location, day)] = var
            model.add(var <= (start if previous is None else previous + start))
            starts.append(start)
            days.append(var)
            previous = var
        if previous is not None and unit.latest_last == built.instance.horizon - 1:
            still_there.append(previous)
    if not starts:
        return 0
    model.add(sum(starts) <= 1)
    model.add(sum(days) <= unit.max_days)
    return 2 * sum(starts) - sum(still_there)


def _caps(built: TimeIndexedModel) -> None:
    units = built.instance.unit_by_id
    by_day: dict[int, list[tuple[PlanningUnit, cp_model.IntVar]]] = defaultdict(list)
    for (unit_id, _, day), var in built.present.items():
        by_day[day].append((units[unit_id], var))
    for cap in built.instance.caps:
        for day in range(cap.first, cap.last + 1):
            terms = [u.strength * v for u, v in by_day[day] if cap.applies_to(u.component)]
            if terms:
                built.model.add(sum(terms) <= cap.max_personnel)


def _coverage(built: TimeIndexedModel) -> tuple[cp_model.LinearExpr, cp_model.LinearExpr]:
    """Total shortfall and total covered person-days."""
    instance = built.instance
    cells: dict[tuple[str, str, int], list[cp_model.LinearExprT]] = defaultdict(list)
    for (unit_id, location, day), var in built.present.items():
        unit = instance.unit_by_id[unit_id]
        if counts_towards(instance, unit):
            cells[(location, unit.capability, day)].append(unit.strength * var)
    shortfall: list[cp_model.IntVar] = []
    for (location, capability), demand in instance.demand.items():
        for day, required in enumerate(demand):
            if required > 0:
                short = built.model.new_int_var(0, required, "")
                covering = cp_model.LinearExpr.sum(cells.get((location, capability, day), []))
                built.model.add(short + covering >= required)
                shortfall.append(short)
    covered = cp_model.LinearExpr.sum([term for terms in cells.values() for term in terms])
    return cp_model.LinearExpr.sum(shortfall), covered


def solve_time_indexed(
    instance: PlanningInstance, time_limit: float, workers: int, seed: int = 0
) -> tuple[tuple[Deployment, ...], SolverDocument]:
    began = time.perf_counter()
    built = build_time_indexed(instance)
    stages: list[StageDocument] = []
    values: dict[Key, int] | None = None
    for level, share in STAGE_SHARES:
        remaining = time_limit - (time.perf_counter() - began)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.5, remaining * share / _rest(level))
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        built.model.minimize(built.levels[level])
        status = solver.solve(built.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        stages.append(_stage(level, status, solver))
        values = {key: solver.value(var) for key, var in built.present.items()}
        built.model.add(built.levels[level] <= round(solver.objective_value))
        built.model.clear_hints()  # type: ignore[no-untyped-call]
        for key, var in built.present.items():
            built.model.add_hint(var, values[key])
    seconds = round(time.perf_counter() - began, 3)
    if values is None:
        return (), SolverDocument(name="time-indexed", status="no_solution", seconds=seconds)
    first = stages[0]
    gap = (first.objective - first.bound) / max(1.0, abs(first.objective))
    proved = all(s.status == "optimal" for s in stages)
    document = SolverDocument(
        name="time-indexed",
        status="optimal" if proved else "feasible",
        seconds=seconds,
        objective=first.objective,
        bound=first.bound,
        gap=round(gap, 6),
        stages=stages,
    )
    return _deployments(values), document


def _rest(level: str) -> float:
    names = [name for name, _ in STAGE_SHARES]
    return sum(share for name, share in STAGE_SHARES[names.index(level) :])


def _stage(level: str, status: cp_model.CpSolverStatus, solver: cp_model.CpSolver) -> StageDocument:
    return StageDocument(
        level=level,
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        seconds=round(solver.wall_time, 3),
        objective=solver.objective_value,
        bound=solver.best_objective_bound,
    )


def _deployments(values: dict[Key, int]) -> tuple[Deployment, ...]:
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    for (unit, location, day), value in values.items():
        if value:
            days[(unit, location)].append(day)
    return tuple(
        sorted(Deployment(unit, location, min(d), max(d)) for (unit, location), d in days.items())
    )
