"""What follows from a set of deployments: coverage, actions, shortfalls and the metrics.

A plan is defined by its deployments alone (the contract); everything here is derived from
them, the same way for every solver.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from mobilize.planning.instance import PlanningInstance, PlanningUnit
from mobilize.scenario.schemas import Component


@dataclass(frozen=True, order=True)
class Deployment:
    """A unit present at a location on days `first`..`last` (inclusive day numbers)."""

    unit: str
    location: str
    first: int
    last: int

    @property
    def days(self) -> int:
        return self.last - self.first + 1


class ActionKind(StrEnum):
    DEPLOY = "deploy"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Move:
    """An action before its reason is known."""

    day: int
    unit: str
    kind: ActionKind
    location: str


@dataclass(frozen=True)
class Gap:
    day: int
    location: str
    capability: str
    required: int
    covered: int

    @property
    def missing(self) -> int:
        return self.required - self.covered


@dataclass(frozen=True)
class Metrics:
    shortfall_person_days: int
    excess_person_days: int
    moves: int
    transport_person_km: int
    peak_personnel: int


Coverage = dict[tuple[str, str], list[int]]
Score = tuple[int, int, int, int, int]


def coverage(instance: PlanningInstance, deployments: tuple[Deployment, ...]) -> Coverage:
    """Personnel present per (location, capability) and day; law-enforcement needs count no
    active-duty personnel (Posse Comitatus)."""
    covered: Coverage = defaultdict(lambda: [0] * instance.horizon)
    for deployment in deployments:
        unit = instance.unit_by_id[deployment.unit]
        if not counts_towards(instance, unit):
            continue
        row = covered[(deployment.location, unit.capability)]
        for day in range(deployment.first, deployment.last + 1):
            row[day] += unit.strength
    return dict(covered)


def counts_towards(instance: PlanningInstance, unit: PlanningUnit) -> bool:
    return not (unit.component is Component.ACTIVE and unit.capability in instance.law_enforcement)


def moves(instance: PlanningInstance, deployments: tuple[Deployment, ...]) -> list[Move]:
    by_unit = {deployment.unit: deployment for deployment in deployments}
    found: list[Move] = []
    for unit in instance.units:
        deployment = by_unit.get(unit.id)
        if deployment is None:
            if unit.location is not None:
                found.append(Move(0, unit.id, ActionKind.WITHDRAW, unit.location))
            continue
        if deployment.first > 0 or unit.location is None:
            found.append(Move(deployment.first, unit.id, ActionKind.DEPLOY, deployment.location))
        if deployment.last < instance.horizon - 1:
            found.append(
                Move(deployment.last + 1, unit.id, ActionKind.WITHDRAW, deployment.location)
            )
    return sorted(found, key=lambda move: (move.day, move.kind != ActionKind.WITHDRAW, move.unit))


def gaps(instance: PlanningInstance, covered: Coverage) -> list[Gap]:
    found = []
    for (location, capability), demand in sorted(instance.demand.items()):
        row = covered.get((location, capability), [0] * instance.horizon)
        for day, required in enumerate(demand):
            if row[day] < required:
                found.append(Gap(day, location, capability, required, row[day]))
    return sorted(found, key=lambda gap: (gap.day, gap.location, gap.capability))


def present_by_component(
    instance: PlanningInstance, deployments: tuple[Deployment, ...]
) -> dict[str, list[int]]:
    """Personnel present each day, per component (its value) and in "all"."""
    present = {key: [0] * instance.horizon for key in [*(c.value for c in Component), "all"]}
    for deployment in deployments:
        unit = instance.unit_by_id[deployment.unit]
        for day in range(deployment.first, deployment.last + 1):
            present[unit.component.value][day] += unit.strength
            present["all"][day] += unit.strength
    return present


def metrics(
    instance: PlanningInstance,
    deployments: tuple[Deployment, ...],
    covered: Coverage | None = None,
    planned_moves: list[Move] | None = None,
) -> Metrics:
    """The contract's metrics; `covered` and `planned_moves` when the caller has them already."""
    if covered is None:
        covered = coverage(instance, deployments)
    if planned_moves is None:
        planned_moves = moves(instance, deployments)
    shortfall = sum(gap.missing for gap in gaps(instance, covered))
    excess = 0
    for key in set(covered) | set(instance.demand):
        row = covered.get(key, [0] * instance.horizon)
        demand = instance.demand.get(key, (0,) * instance.horizon)
        excess += sum(max(0, have - need) for have, need in zip(row, demand, strict=True))
    transport = sum(
        instance.unit_by_id[move.unit].strength
        * instance.distance_km(instance.unit_by_id[move.unit], move.location)
        for move in planned_moves
    )
    return Metrics(
        shortfall_person_days=shortfall,
        excess_person_days=excess,
        moves=len(planned_moves),
        transport_person_km=round(transport),
        peak_personnel=max(present_by_component(instance, deployments)["all"], default=0),
    )


def plan_score(instance: PlanningInstance, deployments: tuple[Deployment, ...]) -> Score:
    """The lexicographic objective of a plan given by days."""
    figures = metrics(instance, deployments)
    seniority = sum(instance.unit_by_id[d.unit].days_before_start * d.days for d in deployments)
    return (
        figures.shortfall_person_days,
        figures.excess_person_days,
        figures.moves,
        figures.transport_person_km,
        seniority,
    )


def departure_days(instance: PlanningInstance, deployments: tuple[Deployment, ...]) -> int:
    """Unit-days placed differently from the adopted plan (`instance.previous`)."""
    before = {
        (s.unit, s.location, day) for s in instance.previous for day in range(s.first, s.last + 1)
    }
    after = {(d.unit, d.location, day) for d in deployments for day in range(d.first, d.last + 1)}
    return len(before ^ after)


def ordered_score(
    instance: PlanningInstance, deployments: tuple[Deployment, ...]
) -> tuple[int, ...]:
    """The plan's score in the order the levels are solved: for a re-plan, departures from
    the adopted plan come right after excess (`model.level_order`)."""
    score = plan_score(instance, deployments)
    if not instance.previous:
        return score
    return (*score[:2], departure_days(instance, deployments), *score[2:])
