"""Solving the pass problem: a greedy first-fit baseline, and staged CP-SAT.

Staged as the drawdown planner is (see `planning.staged`): the most weighted days at home
first, then that value held while blocks of one unit are spread out, then held again while
nearer homes are preferred. Cells (location, capability) share nothing, so each is its own
model: small, proved fast, and the sum of their bounds is the problem's bound.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator

from ortools.sat.python import cp_model

from mobilize.passes.evaluate import PASS_LEVELS, Pass, away_by_cell, pass_score
from mobilize.passes.instance import PassInstance, PassUnit
from mobilize.passes.model import PassModel, build_pass_model, extract_passes, hint_passes
from mobilize.planning.cpsat import configured_solver
from mobilize.planning.schemas import SolverDocument, SolverStatus, StageDocument
from mobilize.planning.staged import Progress, ProgressListener

# Share of the time limit each level may use; time a level does not use passes on.
LEVEL_SHARES = {"home": 0.8, "together": 0.1, "distance": 0.1}
# Each cell is its own model (measured: a 27-unit cell is proved or within a person-day or two
# in well under a second, while a 400-unit model of 15 cells is still 0.3% from its bound
# after 30 s); cells of fewer units than this are batched, to pay CP-SAT's start-up once.
BATCH_UNITS = 10


def greedy_passes(instance: PassInstance) -> tuple[Pass, ...]:
    """What a staff does by hand: nearest homes first, each block the earliest pass that
    keeps coverage."""
    room = {cell: list(instance.slack(cell)) for cell in instance.required}
    granted: list[Pass] = []
    for unit in sorted(instance.units, key=lambda u: (u.distance_km, u.id)):
        for size in unit.blocks:
            start = _first_fit(instance, unit, size, room)
            if start is None:
                continue
            granted.append(Pass(unit.id, start, size))
            if unit.counts:
                for day in instance.days_away(start):
                    room[unit.cell][day] -= size
    return tuple(sorted(granted))


def _first_fit(
    instance: PassInstance, unit: PassUnit, size: int, room: dict[tuple[str, str], list[int]]
) -> int | None:
    for start in unit.starts:
        if not unit.counts or all(room[unit.cell][d] >= size for d in instance.days_away(start)):
            return start
    return None


def solve_passes(
    instance: PassInstance,
    time_limit: float = 10.0,
    workers: int = 8,
    seed: int = 0,
    listener: ProgressListener | None = None,
) -> tuple[tuple[Pass, ...], SolverDocument]:
    """The best passes found in `time_limit`, never worse than greedy's, with honest figures."""
    began = time.perf_counter()
    hint = greedy_passes(instance)
    batches = list(_batches(instance))
    found: list[Pass] = []
    totals = {level: [0.0, 0.0] for level in PASS_LEVELS}  # objective, bound
    statuses: dict[str, set[str]] = {level: set() for level in PASS_LEVELS}
    for position, units in enumerate(batches):
        left = time_limit - (time.perf_counter() - began)
        share = max(0.05, left * len(units) / max(1, sum(len(b) for b in batches[position:])))
        part = build_pass_model(instance, units)
        ids = {unit.id for unit in units}
        part_hint = tuple(granted for granted in hint if granted.unit in ids)
        passes, stages = _staged(part, part_hint, share, workers, seed)
        found.extend(passes)
        for stage in stages:
            totals[stage.level][0] += stage.objective
            totals[stage.level][1] += stage.bound
            statuses[stage.level].add(stage.status)
        if listener is not None:
            home, bound = totals["home"]
            listener(Progress("passes: person-days home", time.perf_counter() - began, home, bound))
    passes = tuple(sorted(found))
    if pass_score(instance, hint) < pass_score(instance, passes):
        passes = hint  # cannot happen with proved parts; kept as the planner's promise
    return passes, _document(totals, statuses, time.perf_counter() - began)


def _batches(instance: PassInstance) -> Iterator[tuple[PassUnit, ...]]:
    """Whole cells together (their units share coverage), about `BATCH_UNITS` units a batch."""
    by_cell: dict[tuple[str, str] | str, list[PassUnit]] = defaultdict(list)
    for unit in instance.units:
        by_cell[unit.cell if unit.counts else unit.id].append(unit)
    batch: list[PassUnit] = []
    for key in sorted(by_cell, key=str):
        batch.extend(by_cell[key])
        if len(batch) >= BATCH_UNITS:
            yield tuple(batch)
            batch = []
    if batch:
        yield tuple(batch)


def _staged(
    built: PassModel, hint: tuple[Pass, ...], time_limit: float, workers: int, seed: int
) -> tuple[tuple[Pass, ...], list[StageDocument]]:
    began = time.perf_counter()
    hint_passes(built, hint)
    best, stages = hint, []
    for position, level in enumerate(PASS_LEVELS):
        left = time_limit - (time.perf_counter() - began)
        share = LEVEL_SHARES[level] / sum(LEVEL_SHARES[name] for name in PASS_LEVELS[position:])
        built.model.minimize(built.levels[level])
        solver = configured_solver(max(0.02, left * share), workers, seed)
        level_began = time.perf_counter()
        status = solver.solve(built.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break  # the hint (the last level's plan) stands
        value = round(solver.objective_value)
        bound = round(solver.best_objective_bound)
        sign = -1 if level == "home" else 1  # reported as days at home, a maximum
        stages.append(
            StageDocument(
                level=level,
                status="optimal" if status == cp_model.OPTIMAL else "feasible",
                seconds=round(time.perf_counter() - level_began, 3),
                objective=sign * value,
                bound=sign * bound,
            )
        )
        best = extract_passes(built, solver)
        built.model.add(built.levels[level] <= value)
        hint_passes(built, best)
    return best, stages


def _document(
    totals: dict[str, list[float]], statuses: dict[str, set[str]], seconds: float
) -> SolverDocument:
    stages = [
        StageDocument(
            level=level,
            status="optimal" if statuses[level] == {"optimal"} else "feasible",
            seconds=round(seconds, 3),
            objective=totals[level][0],
            bound=totals[level][1],
        )
        for level in PASS_LEVELS
        if statuses[level]
    ]
    status: SolverStatus = (
        "optimal" if stages and all(s.status == "optimal" for s in stages) else "feasible"
    )
    home = next((s for s in stages if s.level == "home"), None)
    objective = home.objective if home else 0.0
    bound = home.bound if home else 0.0
    return SolverDocument(
        name="cp-sat",
        status=status,
        seconds=round(seconds, 3),
        objective=objective,
        bound=bound,
        gap=round(abs(bound - objective) / max(1.0, abs(objective)), 6),
        stages=stages,
        method="weighted person-days at home, then blocks apart, then nearer homes; by cell",
    )


def away_exceeds_slack(instance: PassInstance, passes: tuple[Pass, ...]) -> bool:
    """True when some cell would fall below min(required, covered) (for tests and checks)."""
    for cell, row in away_by_cell(instance, passes).items():
        slack = instance.slack(cell)
        if any(away > room for away, room in zip(row, slack, strict=True)):
            return True
    return False
