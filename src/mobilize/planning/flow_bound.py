"""A bound from linear programming that fits any scenario: units' days, the caps linking them.

The LP relaxation of the whole segment model (`lp_bound`) has a column per unit, place and
segment and every rule of the model; at 300 units HiGHS does not finish it in minutes. This LP
keeps only what shortfall depends on most, per day:

- `present[u, d]` in [0, 1] for each unit that can count towards coverage, inside its window;
  a unit deployed on start only at its own place and as a prefix (`present[d+1] <= present[d]`,
  it stays until withdrawn); a fresh unit at most its maximum days in all;
- fresh units' personnel of a capability form a pool per day, shared out between the places
  that need the capability (`fresh[l, c, d]`, their sum at most the pool);
- `short[l, c, d] + fresh[l, c, d] + (deployed units at l) >= required`;
- every cap on every day it is in force: its units' personnel present at most the cap.

Every plan of the model gives a solution of this LP with the same shortfall (presence as 0/1,
a fresh unit's personnel credited to the place it is at), so the LP's least shortfall, rounded
up, is a valid lower bound. What it relaxes: whole units (a fraction of a unit may be present),
a fresh unit's single stay (its days need not be consecutive nor at one place) and unit
identity inside the pool. What it keeps, and counting (`bounds`) does not: the maximum
deployment over time, which is what runs the generated scenarios short, tied to the caps.

The capabilities-alone bounds (`decompose`) are integer bounds on each capability's share of
the shortfall; given, they are added as rows (`sum short[., c, .] >= bound_c`), so the LP is
never below their sum and adds what the caps force on top of it.

HiGHS's dual simplex on one thread is deterministic: the same scenario gives the same bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mobilize.planning.evaluate import counts_towards
from mobilize.planning.highs import LpBound, Rows, new_highs, solve_for_bound
from mobilize.planning.instance import PlanningInstance, PlanningUnit


@dataclass
class _Lp:
    """Columns and rows for HiGHS, built in compressed form."""

    costs: list[float] = field(default_factory=list)
    col_lower: list[float] = field(default_factory=list)
    col_upper: list[float] = field(default_factory=list)
    rows: Rows = field(default_factory=Rows)

    def column(self, lower: float, upper: float, cost: float = 0.0) -> int:
        self.costs.append(cost)
        self.col_lower.append(lower)
        self.col_upper.append(upper)
        return len(self.costs) - 1

    def row(self, terms: Sequence[tuple[int, float]], lower: float, upper: float) -> None:
        self.rows.add(dict(terms), lower, upper)  # each row names a column once


def flow_shortfall_bound(
    instance: PlanningInstance,
    capability_bounds: dict[str, int] | None = None,
    seconds: float = 600.0,
) -> LpBound:
    """The least shortfall person-days of the LP above, rounded up; `capability_bounds`: valid
    lower bounds on each capability's shortfall (the capabilities alone), added as rows;
    `seconds`: a safety stop (a stopped LP gives no bound: 0)."""
    lp = _Lp()
    present = _presence(instance, lp)
    short = _coverage(instance, lp, present)
    _caps(instance, lp, present)
    for capability, least in (capability_bounds or {}).items():
        terms = [(column, 1.0) for (_, c, _), column in short.items() if c == capability]
        if terms and least > 0:
            lp.row(terms, float(least), math.inf)
    return _solve(lp, seconds)


def _window(instance: PlanningInstance, unit: PlanningUnit) -> range:
    return range(max(0, unit.earliest_first), min(instance.horizon - 1, unit.latest_last) + 1)


def _presence(instance: PlanningInstance, lp: _Lp) -> dict[PlanningUnit, dict[int, int]]:
    """Each useful unit's presence columns by day, with its own rows (prefix or maximum)."""
    needed = {capability for (_, capability), row in instance.demand.items() if any(row)}
    present: dict[PlanningUnit, dict[int, int]] = {}
    for unit in instance.units:
        days = _window(instance, unit)
        if not counts_towards(instance, unit) or unit.capability not in needed or not days:
            continue  # absent is always allowed, and such a unit could only use cap room
        columns = {day: lp.column(0.0, 1.0) for day in days}
        present[unit] = columns
        if unit.location is not None:
            for day in days[1:]:
                lp.row([(columns[day], 1.0), (columns[day - 1], -1.0)], -math.inf, 0.0)
        elif unit.max_days < len(days):
            lp.row([(column, 1.0) for column in columns.values()], -math.inf, unit.max_days)
    return present


def _coverage(
    instance: PlanningInstance, lp: _Lp, present: dict[PlanningUnit, dict[int, int]]
) -> dict[tuple[str, str, int], int]:
    """Shortfall columns per cell and day, with the coverage and fresh-pool rows."""
    short: dict[tuple[str, str, int], int] = {}
    pools: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for unit, columns in present.items():
        if unit.location is None:
            for day, column in columns.items():
                pools.setdefault((unit.capability, day), []).append((column, -unit.strength))
    for (location, capability), demand in sorted(instance.demand.items()):
        placed = [u for u in present if u.location == location and u.capability == capability]
        for day, required in enumerate(demand):
            if required <= 0:
                continue
            column = lp.column(0.0, float(required), 1.0)
            short[(location, capability, day)] = column
            terms = [(column, 1.0)]
            # a whole unit covers at most the requirement: its strength beyond is no use here
            terms += [
                (present[u][day], min(u.strength, required)) for u in placed if day in present[u]
            ]
            pool = pools.get((capability, day))
            if pool is not None:
                share = lp.column(0.0, float(required))
                terms.append((share, 1.0))
                pool.append((share, 1.0))
            lp.row(terms, float(required), math.inf)
    for pool in pools.values():
        lp.row(pool, -math.inf, 0.0)
    return short


def _caps(instance: PlanningInstance, lp: _Lp, present: dict[PlanningUnit, dict[int, int]]) -> None:
    for cap in instance.caps:
        under = [u for u in present if cap.applies_to(u.component)]
        for day in range(max(0, cap.first), min(instance.horizon - 1, cap.last) + 1):
            terms = [(present[u][day], u.strength) for u in under if day in present[u]]
            if terms:
                lp.row(terms, -math.inf, float(cap.max_personnel))


def _solve(lp: _Lp, seconds: float) -> LpBound:
    began = time.perf_counter()
    highs = new_highs(seconds, "simplex")
    count = len(lp.costs)
    empty = np.array([], dtype=np.int32)
    highs.addCols(
        count,
        np.array(lp.costs),
        np.array(lp.col_lower),
        np.array(lp.col_upper),
        0,
        empty,
        empty,
        np.array([]),
    )
    lp.rows.add_to(highs)
    solved, value = solve_for_bound(highs)
    return LpBound(value, solved, time.perf_counter() - began, count, len(lp.rows.lower))
