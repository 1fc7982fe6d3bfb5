"""The greedy baseline: what a staff does by hand, day by day.

On each day, in this order:
1. units at their maximum deployment (or availability) go home;
2. on days when a need changes, units no longer needed go home, longest-deployed first
   (a unit is not needed when its capability at its location stays covered on every later
   day without it);
3. while a cap is exceeded, the longest-deployed units go home, first those whose capability
   is over-covered, then any (a cap is an order: it is never broken);
4. each need still short gets the first available fresh unit of its capability, if the caps
   leave room for it.
It is the hint for CP-SAT and the yardstick the benchmarks compare it with.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from mobilize.planning.evaluate import Deployment, counts_towards
from mobilize.planning.instance import PlanningInstance, PlanningUnit
from mobilize.planning.rules import (
    cap_in_force,
    capped_from,
    last_day_of_stay,
    may_be_present,
    room_under_caps,
)
from mobilize.scenario.schemas import Component


@dataclass
class _Stay:
    unit: PlanningUnit
    location: str
    first: int
    latest_last: int
    last: int | None = None


@dataclass
class _State:
    instance: PlanningInstance
    present: dict[str, _Stay] = field(default_factory=dict)
    finished: list[_Stay] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    # Kept up to date on every move, so that a day costs time in moves, not in units.
    covered: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    by_component: dict[Component, int] = field(default_factory=lambda: defaultdict(int))
    # Units by capability, the earliest available first: the order a staff calls them up in.
    by_capability: dict[str, list[PlanningUnit]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for unit in sorted(self.instance.units, key=lambda unit: (unit.earliest_first, unit.id)):
            self.by_capability.setdefault(unit.capability, []).append(unit)

    def coverage(self, location: str, capability: str) -> int:
        return self.covered[(location, capability)]

    def total(self, component: Component | None) -> int:
        return (
            sum(self.by_component.values()) if component is None else self.by_component[component]
        )

    def arrive(self, stay: _Stay) -> None:
        self.present[stay.unit.id] = stay
        self.used.add(stay.unit.id)
        self._count(stay, +1)

    def withdraw(self, unit_id: str, day: int) -> None:
        stay = self.present.pop(unit_id)
        self._count(stay, -1)
        stay.last = day - 1
        if stay.last >= stay.first:
            self.finished.append(stay)

    def deploy(self, unit: PlanningUnit, location: str, day: int) -> None:
        self.arrive(_Stay(unit, location, day, last_day_of_stay(unit, day)))

    def _count(self, stay: _Stay, sign: int) -> None:
        self.by_component[stay.unit.component] += sign * stay.unit.strength
        if counts_towards(self.instance, stay.unit):
            self.covered[(stay.location, stay.unit.capability)] += sign * stay.unit.strength


def greedy_plan(instance: PlanningInstance) -> tuple[Deployment, ...]:
    state = _State(instance)
    for unit in instance.units:
        if unit.location is not None:
            state.arrive(_Stay(unit, unit.location, 0, unit.latest_last))
    change_days = _need_change_days(instance)
    for day in instance.days():
        _send_home_at_limit(state, day)
        if day in change_days:
            _send_home_unneeded(state, day)
        _enforce_caps(state, day)
        _fill_gaps(state, day)
    for stay in list(state.present.values()):
        state.withdraw(stay.unit.id, instance.horizon)
    return tuple(
        sorted(
            Deployment(s.unit.id, s.location, s.first, s.last)
            for s in state.finished
            if s.last is not None
        )
    )


def _need_change_days(instance: PlanningInstance) -> set[int]:
    days = {0}
    for need in instance.needs:
        days.update({need.first, need.last + 1})
    for cap in instance.caps:
        days.add(cap.first)
    return {day for day in days if 0 <= day < instance.horizon}


def _tenure(stay: _Stay, day: int) -> int:
    return stay.unit.days_before_start + day - stay.first


def _send_home_at_limit(state: _State, day: int) -> None:
    for stay in list(state.present.values()):
        if stay.latest_last < day:
            state.withdraw(stay.unit.id, day)


def _send_home_unneeded(state: _State, day: int) -> None:
    instance = state.instance
    by_cell: dict[tuple[str, str], list[_Stay]] = defaultdict(list)
    for stay in state.present.values():
        by_cell[(stay.location, stay.unit.capability)].append(stay)
    for (location, capability), stays in sorted(by_cell.items()):
        demand = instance.demand.get((location, capability), (0,) * instance.horizon)
        covered = state.coverage(location, capability)
        slack = min(covered - need for need in demand[day:])
        # Units of a capped component go first: sending them home makes room under the cap.
        order = sorted(
            stays,
            key=lambda s: (not capped_from(instance, s.unit, day), -_tenure(s, day), s.unit.id),
        )
        for stay in order:
            if stay.unit.strength <= slack:
                slack -= stay.unit.strength
                state.withdraw(stay.unit.id, day)


def _enforce_caps(state: _State, day: int) -> None:
    instance = state.instance
    for cap in instance.caps:
        if not cap_in_force(cap, day):
            continue
        over = state.total(cap.component) - cap.max_personnel
        if over <= 0:
            continue
        matching = [s for s in state.present.values() if cap.applies_to(s.unit.component)]
        for stay in sorted(
            matching, key=lambda s: (not _over_covered(state, s, day), -_tenure(s, day), s.unit.id)
        ):
            if over <= 0:
                break
            over -= stay.unit.strength
            state.withdraw(stay.unit.id, day)


def _over_covered(state: _State, stay: _Stay, day: int) -> bool:
    required = state.instance.required(stay.location, stay.unit.capability, day)
    return state.coverage(stay.location, stay.unit.capability) - stay.unit.strength >= required


def _fill_gaps(state: _State, day: int) -> None:
    instance = state.instance
    for (location, capability), demand in sorted(instance.demand.items()):
        short = demand[day] - state.coverage(location, capability)
        if short <= 0:
            continue
        for unit in _fresh_units(state, capability, day):
            if short <= 0:
                break
            if counts_towards(instance, unit) and _caps_allow(state, unit, day):
                state.deploy(unit, location, day)
                short -= unit.strength


def _fresh_units(state: _State, capability: str, day: int) -> list[PlanningUnit]:
    """Units not yet used that can arrive today, the earliest available first."""
    return [
        unit
        for unit in state.by_capability.get(capability, [])
        if unit.id not in state.used and may_be_present(unit, day)
    ]


def _caps_allow(state: _State, unit: PlanningUnit, day: int) -> bool:
    return room_under_caps(state.instance, unit, day, lambda cap: state.total(cap.component))
