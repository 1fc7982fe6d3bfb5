"""The planning instance: a scenario resolved into days, demands and unit windows.

Pure data built from a `Scenario`; the solvers, the evaluation and the reasons read it.
Days are integers: 0 is the scenario's `start`, `horizon - 1` its `end`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property

from mobilize.scenario.schemas import Component, Scenario, Unit

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on the mean Earth sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class PlanningUnit:
    """A unit with its feasible window resolved into day numbers."""

    id: str
    capability: str
    component: Component
    strength: int
    home: tuple[float, float]
    location: str | None  # where it is on day 0, or None for a unit not yet deployed
    earliest_first: int  # first day it may be present
    latest_last: int  # last day it may be present (availability and maximum deployment)
    max_days: int
    days_before_start: int  # days deployed before day 0 (0 for a unit not yet deployed)
    max_reached_on: int | None  # for a deployed unit: the first day past its maximum

    @property
    def is_deployed_on_start(self) -> bool:
        return self.location is not None


@dataclass(frozen=True)
class CapRule:
    index: int
    component: Component | None
    max_personnel: int
    first: int
    last: int

    def applies_to(self, component: Component) -> bool:
        return self.component is None or self.component is component


@dataclass(frozen=True)
class Need:
    """One requirement or task, in day numbers: where its demand comes from."""

    kind: str  # "requirement" or "task"
    name: str  # the task id, or "requirements[i]"
    location: str
    capability: str
    personnel: int
    first: int
    last: int


@dataclass(frozen=True)
class Stay:
    """Where the adopted plan has a unit: `location` on days `first`..`last` (day numbers)."""

    unit: str
    location: str
    first: int
    last: int


@dataclass(frozen=True)
class PlanningInstance:
    name: str
    start: date
    horizon: int
    locations: dict[str, tuple[float, float]]
    capabilities: tuple[str, ...]
    units: tuple[PlanningUnit, ...]
    needs: tuple[Need, ...]
    caps: tuple[CapRule, ...]
    law_enforcement: frozenset[str]
    # The adopted plan a re-plan should depart from as little as it can (persistence).
    previous: tuple[Stay, ...] = ()

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def day_of(self, when: date) -> int:
        return (when - self.start).days

    @cached_property
    def unit_by_id(self) -> dict[str, PlanningUnit]:
        return {unit.id: unit for unit in self.units}

    @cached_property
    def demand(self) -> dict[tuple[str, str], tuple[int, ...]]:
        """Personnel required per (location, capability) on each day; needs add up."""
        totals: dict[tuple[str, str], list[int]] = {}
        for need in self.needs:
            row = totals.setdefault((need.location, need.capability), [0] * self.horizon)
            for day in range(max(0, need.first), min(self.horizon - 1, need.last) + 1):
                row[day] += need.personnel
        return {key: tuple(row) for key, row in totals.items()}

    def required(self, location: str, capability: str, day: int) -> int:
        row = self.demand.get((location, capability))
        return row[day] if row is not None else 0

    def distance_km(self, unit: PlanningUnit, location: str) -> float:
        lat, lon = self.locations[location]
        return great_circle_km(unit.home[0], unit.home[1], lat, lon)

    def days(self) -> Iterator[int]:
        return iter(range(self.horizon))


def build_instance(scenario: Scenario, previous: tuple[Stay, ...] = ()) -> PlanningInstance:
    """The planning problem of `scenario`; `previous`, the adopted plan's stays to keep."""
    horizon = len(scenario.horizon)

    def day(when: date) -> int:
        return (when - scenario.start).days

    needs = [
        Need(
            "requirement",
            f"requirements[{i}]",
            r.location,
            r.capability,
            r.personnel,
            day(scenario.requirement_days(r).first),
            day(scenario.requirement_days(r).last),
        )
        for i, r in enumerate(scenario.requirements)
    ]
    needs += [
        Need(
            "task",
            t.id,
            t.location,
            t.capability,
            t.personnel,
            day(scenario.task_days(t).first),
            day(scenario.task_days(t).last),
        )
        for t in scenario.tasks
    ]
    caps = tuple(
        CapRule(
            i,
            c.component,
            c.max_personnel,
            day(scenario.cap_days(c).first),
            day(scenario.cap_days(c).last),
        )
        for i, c in enumerate(scenario.caps)
    )
    return PlanningInstance(
        name=scenario.name,
        start=scenario.start,
        horizon=horizon,
        locations={loc.id: (loc.lat, loc.lon) for loc in scenario.locations},
        capabilities=tuple(c.id for c in scenario.capabilities),
        units=tuple(_planning_unit(scenario, unit, horizon) for unit in scenario.units),
        needs=tuple(needs),
        caps=caps,
        law_enforcement=frozenset(scenario.policy.law_enforcement_capabilities),
        previous=_kept_stays(scenario, previous),
    )


def _kept_stays(scenario: Scenario, previous: tuple[Stay, ...]) -> tuple[Stay, ...]:
    """The adopted plan's stays of units still in the force list."""
    units = {unit.id for unit in scenario.units}
    return tuple(stay for stay in previous if stay.unit in units)


def _planning_unit(scenario: Scenario, unit: Unit, horizon: int) -> PlanningUnit:
    max_days = scenario.max_deployment_days(unit)
    last = horizon - 1
    if unit.available_until is not None:
        last = min(last, (unit.available_until - scenario.start).days)
    first = max(0, (unit.available_from - scenario.start).days) if unit.available_from else 0
    fresh = PlanningUnit(
        id=unit.id,
        capability=unit.capability,
        component=unit.component,
        strength=unit.strength,
        home=(unit.home.lat, unit.home.lon),
        location=None,
        earliest_first=first,
        latest_last=last,
        max_days=max_days,
        days_before_start=0,
        max_reached_on=None,
    )
    if unit.deployed_since is None or unit.location is None:
        return fresh
    days_before = (scenario.start - unit.deployed_since).days
    max_reached_on = max_days - days_before  # first day past the maximum
    return replace(
        fresh,
        location=unit.location,
        earliest_first=0,
        latest_last=min(last, max_reached_on - 1),
        days_before_start=days_before,
        max_reached_on=max_reached_on,
    )
