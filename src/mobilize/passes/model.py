"""The CP-SAT model of the pass problem.

A unit's blocks of one size are interchangeable, so the model counts them: `count[u, size, s]`
is how many blocks of that size of unit u start a pass on window day s. Coverage rows are
then sums over consecutive start days (an interval matrix), so the LP relaxation of the first
level is nearly exact and CP-SAT proves optimality quickly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from mobilize.passes.evaluate import PASS_LEVELS, Pass
from mobilize.passes.instance import PassInstance, PassUnit

CountKey = tuple[str, int, int]  # (unit, block size, start day)


@dataclass
class PassModel:
    instance: PassInstance
    units: tuple[PassUnit, ...]
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    count: dict[CountKey, cp_model.IntVar] = field(default_factory=dict)
    most: dict[CountKey, int] = field(default_factory=dict)  # each count's upper bound
    levels: dict[str, cp_model.LinearExprT] = field(default_factory=dict)


def build_pass_model(instance: PassInstance, units: tuple[PassUnit, ...]) -> PassModel:
    """The model of `units` (for a part of the problem: whole cells, so parts are independent)."""
    built = PassModel(instance, units)
    for unit in units:
        _add_unit(built, unit)
    _add_coverage(built)
    _add_levels(built)
    return built


def _add_unit(built: PassModel, unit: PassUnit) -> None:
    """Each block takes at most one pass: per size, at most as many starts as blocks."""
    for size, blocks in unit.block_sizes:
        starts = []
        for start in unit.starts:
            var = built.model.new_int_var(0, blocks, f"n[{unit.id},{size},{start}]")
            built.count[(unit.id, size, start)] = var
            built.most[(unit.id, size, start)] = blocks
            starts.append(var)
        built.model.add(sum(starts) <= blocks)


def _away_on(built: PassModel, unit: PassUnit, day: int) -> list[CountKey]:
    """The counts of the unit's passes that cover `day`."""
    first = day - built.instance.length + 1
    return [
        (unit.id, size, start)
        for size, _ in unit.block_sizes
        for start in unit.starts
        if first <= start <= day
    ]


def _add_coverage(built: PassModel) -> None:
    """Away personnel never exceed what is above the requirement (`PassInstance.slack`)."""
    by_cell: dict[tuple[str, str], list[PassUnit]] = defaultdict(list)
    for unit in built.units:
        if unit.counts:
            by_cell[unit.cell].append(unit)
    for cell, members in by_cell.items():
        slack = built.instance.slack(cell)
        for day in range(built.instance.window):
            keys = [key for unit in members for key in _away_on(built, unit, day)]
            if sum(key[1] * built.most[key] for key in keys) > slack[day]:
                built.model.add(sum(key[1] * built.count[key] for key in keys) <= slack[day])


def _add_levels(built: PassModel) -> None:
    instance = built.instance
    home, together, distance = [], [], []
    units = instance.unit_by_id
    for (unit_id, size, start), var in built.count.items():
        home.append(-size * instance.value(start) * var)
        distance.append(round(units[unit_id].distance_km) * size * var)
    for unit in built.units:
        if len(unit.blocks) < 2:
            continue
        for day in range(instance.window):
            keys = _away_on(built, unit, day)
            if sum(built.most[key] for key in keys) < 2:
                continue  # never two blocks away on this day
            extra = built.model.new_int_var(0, len(unit.blocks), f"o[{unit.id},{day}]")
            built.model.add(extra >= sum(built.count[key] for key in keys) - 1)
            together.append(extra)
    built.levels = dict(zip(PASS_LEVELS, (sum(home), sum(together), sum(distance)), strict=True))


def hint_passes(built: PassModel, passes: tuple[Pass, ...]) -> None:
    counts: dict[CountKey, int] = defaultdict(int)
    for granted in passes:
        counts[(granted.unit, granted.personnel, granted.start)] += 1
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    for key, var in built.count.items():
        built.model.add_hint(var, counts.get(key, 0))


def extract_passes(built: PassModel, solver: cp_model.CpSolver) -> tuple[Pass, ...]:
    found: list[Pass] = []
    for (unit_id, size, start), var in built.count.items():
        found.extend(Pass(unit_id, start, size) for _ in range(solver.value(var)))
    return tuple(sorted(found))
