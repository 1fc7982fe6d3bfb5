"""Valid lower bounds on shortfall person-days, from counting who could possibly be where.

Used three ways: as the bound the neighbourhood search reports, as a redundant constraint per
segment that gives CP-SAT's relaxation the cap's knapsack structure it otherwise misses, and
in the tests (never above a proved optimum).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from mobilize.planning.evaluate import counts_towards
from mobilize.planning.instance import CapRule, PlanningInstance
from mobilize.scenario.schemas import Component


@dataclass(frozen=True)
class _Availability:
    """Personnel that could be present each day: units deployed on start by (location,
    capability, component), fresh units by (capability, component), anywhere."""

    placed: dict[tuple[str, str, Component], list[int]]
    fresh: dict[tuple[str, Component], list[int]]


def shortfall_lower_bound(instance: PlanningInstance) -> int:
    """Person-days no plan can cover, a valid lower bound on the shortfall level."""
    available = _availability(instance)
    return sum(_least_shortfall(instance, available, day) for day in range(instance.horizon))


def least_shortfall_by_day(instance: PlanningInstance, days: list[int]) -> dict[int, int]:
    """`least_shortfall` for each of `days`, counting availability once."""
    available = _availability(instance)
    return {day: _least_shortfall(instance, available, day) for day in days}


def _least_shortfall(instance: PlanningInstance, available: _Availability, day: int) -> int:
    """The least total shortfall any plan can have on `day`.

    Each cell (location, capability) can be covered at most by everyone who could be there that
    day. Under a cap, per capability: R, the need left after the units outside the cap already
    at each cell; F, fresh units outside the cap (each fills one place, so at most F of R); C,
    what units under the cap could bring. The least shortfall is
    sum(max(0, R - F - C)) + max(0, sum(min(max(0, R - F), C)) - cap).
    Single deployments and maxima are relaxed, so it is never above the optimum.
    """
    cells = [(cell, demand[day]) for cell, demand in instance.demand.items() if demand[day] > 0]
    best = sum(max(0, need - _at(available, cell, day, None, True)) for cell, need in cells)
    for cap in instance.caps:
        if cap.first <= day <= cap.last:
            best = max(best, _least_short_under_cap(available, cells, day, cap))
    return best


def _least_short_under_cap(
    available: _Availability, cells: list[tuple[tuple[str, str], int]], day: int, cap: CapRule
) -> int:
    left: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for cell, need in cells:
        remaining = max(0, need - _placed(available, cell, day, cap, inside_cap=False))
        left[cell[1]] += remaining
        inside[cell[1]] += min(remaining, _placed(available, cell, day, cap, inside_cap=True))
    short = reducible = 0
    for capability, remaining in left.items():
        after_fresh = max(0, remaining - _fresh(available, capability, day, cap, inside_cap=False))
        capped = inside[capability] + _fresh(available, capability, day, cap, inside_cap=True)
        short += max(0, after_fresh - capped)
        reducible += min(after_fresh, capped)
    return short + max(0, reducible - cap.max_personnel)


def _in_cap(component: Component, cap: CapRule | None, inside_cap: bool) -> bool:
    return cap is None or cap.applies_to(component) == inside_cap


def _placed(
    available: _Availability, cell: tuple[str, str], day: int, cap: CapRule | None, inside_cap: bool
) -> int:
    location, capability = cell
    return sum(
        _on(available.placed.get((location, capability, c)), day)
        for c in Component
        if _in_cap(c, cap, inside_cap)
    )


def _fresh(
    available: _Availability, capability: str, day: int, cap: CapRule | None, inside_cap: bool
) -> int:
    return sum(
        _on(available.fresh.get((capability, c)), day)
        for c in Component
        if _in_cap(c, cap, inside_cap)
    )


def _at(
    available: _Availability, cell: tuple[str, str], day: int, cap: CapRule | None, inside_cap: bool
) -> int:
    return _placed(available, cell, day, cap, inside_cap) + _fresh(
        available, cell[1], day, cap, inside_cap
    )


def _on(row: list[int] | None, day: int) -> int:
    """A day's total of a row that may not exist (nobody of that kind)."""
    return row[day] if row is not None else 0


def _availability(instance: PlanningInstance) -> _Availability:
    """Running totals per day, built once per instance from difference arrays."""
    horizon = instance.horizon
    placed: dict[tuple[str, str, Component], list[int]] = defaultdict(lambda: [0] * (horizon + 1))
    fresh: dict[tuple[str, Component], list[int]] = defaultdict(lambda: [0] * (horizon + 1))
    for unit in instance.units:
        first, last = max(0, unit.earliest_first), min(horizon - 1, unit.latest_last)
        if not counts_towards(instance, unit) or last < first:
            continue
        row = (
            placed[(unit.location, unit.capability, unit.component)]
            if unit.location is not None
            else fresh[(unit.capability, unit.component)]
        )
        row[first] += unit.strength
        row[last + 1] -= unit.strength
    return _Availability(
        placed={key: _running(row) for key, row in placed.items()},
        fresh={key: _running(row) for key, row in fresh.items()},
    )


def _running(changes: list[int]) -> list[int]:
    total, running = 0, []
    for change in changes:
        total += change
        running.append(total)
    return running
