"""Valid lower bounds on shortfall person-days, from counting who could possibly be where.

Used three ways: as the bound the neighbourhood search reports, as a redundant constraint per
segment that gives CP-SAT's relaxation the cap's knapsack structure it otherwise misses, and
in the tests (never above a proved optimum).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from mobilize.planning.evaluate import counts_towards
from mobilize.planning.instance import CapRule, PlanningInstance, PlanningUnit


def shortfall_lower_bound(instance: PlanningInstance) -> int:
    """Person-days no plan can cover, a valid lower bound on the shortfall level.

    Each day, each cell (location, capability) can be covered at most by everyone who could be
    there that day. A cap adds: the personnel of its component, summed over all cells, stay
    within it. With r the need left after everyone outside the cap, and A what the capped
    component could bring to the cell, the least shortfall that day is
    sum(max(0, r - A)) + max(0, sum(min(r, A)) - cap). Single deployments and maxima are
    ignored, so it is a relaxation, never above the optimum.
    """
    return sum(least_shortfall_on(instance, day) for day in range(instance.horizon))


def least_shortfall_on(instance: PlanningInstance, day: int) -> int:
    """The least total shortfall any plan can have on `day`."""
    cells = [(cell, demand[day]) for cell, demand in instance.demand.items() if demand[day] > 0]
    everyone = {cell: _could_be_there(instance, cell, day, lambda unit: True) for cell, _ in cells}
    best = sum(max(0, need - everyone[cell]) for cell, need in cells)
    for cap in instance.caps:
        if cap.first <= day <= cap.last:
            best = max(best, _least_short_under_cap(instance, cells, day, cap))
    return best


def _least_short_under_cap(
    instance: PlanningInstance, cells: list[tuple[tuple[str, str], int]], day: int, cap: CapRule
) -> int:
    """Per capability k: R = need left after the units outside the cap already placed at each
    cell; F = fresh units outside the cap (they can go to one cell each, so at most F of R);
    C = what units under the cap could bring. Least shortfall:
    sum(max(0, R - F - C)) + max(0, sum(min(max(0, R - F), C)) - cap)."""
    left: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for (location, capability), need in cells:
        placed_outside = _could_be_there(
            instance,
            (location, capability),
            day,
            lambda unit: unit.location is not None and not cap.applies_to(unit.component),
        )
        remaining = max(0, need - placed_outside)
        left[capability] += remaining
        placed_inside = _could_be_there(
            instance,
            (location, capability),
            day,
            lambda unit: unit.location is not None and cap.applies_to(unit.component),
        )
        inside[capability] += min(remaining, placed_inside)
    short = reducible = 0
    for capability, remaining in left.items():
        fresh = [
            u
            for u in _units_of(instance, capability)
            if u.location is None and u.earliest_first <= day <= u.latest_last
        ]
        after_fresh = max(
            0, remaining - sum(u.strength for u in fresh if not cap.applies_to(u.component))
        )
        capped = inside[capability] + sum(u.strength for u in fresh if cap.applies_to(u.component))
        short += max(0, after_fresh - capped)
        reducible += min(after_fresh, capped)
    return short + max(0, reducible - cap.max_personnel)


def _could_be_there(
    instance: PlanningInstance,
    cell: tuple[str, str],
    day: int,
    which: Callable[[PlanningUnit], bool],
) -> int:
    location, capability = cell
    return sum(
        unit.strength
        for unit in _units_of(instance, capability)
        if which(unit)
        and unit.earliest_first <= day <= unit.latest_last
        and unit.location in (None, location)
    )


def _units_of(instance: PlanningInstance, capability: str) -> list[PlanningUnit]:
    return [
        unit
        for unit in instance.units
        if unit.capability == capability and counts_towards(instance, unit)
    ]
