"""The plan-level rules as predicates: caps, availability windows, maximum deployment.

One definition of each rule, used by every planner that reasons about plans given by days —
greedy, the capability decomposition, the neighbourhood search, trim and the tradeoff's warm
starts — so that a rule changes in one place (docs/planning.md, "Adding a rule"). The CP-SAT
model states the same rules as constraints (`model.py`), and the verifier checks them on its
own, sharing no code with either (`verify.py`): a planner bug cannot hide behind a shared one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from mobilize.planning.evaluate import Deployment
from mobilize.planning.instance import CapRule, PlanningInstance, PlanningUnit


def cap_in_force(cap: CapRule, day: int) -> bool:
    return cap.first <= day <= cap.last


def cap_in_force_within(cap: CapRule, first: int, last: int) -> bool:
    """The cap is in force on some day of `first`..`last`."""
    return cap.first <= last and first <= cap.last


def caps_binding(instance: PlanningInstance, unit: PlanningUnit, day: int) -> Iterator[CapRule]:
    """The caps that count `unit`'s people on `day`."""
    return (
        cap for cap in instance.caps if cap_in_force(cap, day) and cap.applies_to(unit.component)
    )


def capped_from(instance: PlanningInstance, unit: PlanningUnit, day: int) -> bool:
    """Some cap counts the unit's people on `day` or later."""
    return any(cap.last >= day and cap.applies_to(unit.component) for cap in instance.caps)


def room_under_caps(
    instance: PlanningInstance, unit: PlanningUnit, day: int, present: Callable[[CapRule], int]
) -> bool:
    """The unit's people fit under every cap binding it on `day`, `present(cap)` counted."""
    return all(
        present(cap) + unit.strength <= cap.max_personnel
        for cap in caps_binding(instance, unit, day)
    )


def cap_load(instance: PlanningInstance, plan: Iterable[Deployment], cap: CapRule) -> list[int]:
    """People the cap counts on each day of the horizon (0 outside the cap's days)."""
    load = [0] * instance.horizon
    for deployment in plan:
        unit = instance.unit_by_id[deployment.unit]
        if cap.applies_to(unit.component):
            for day in range(max(cap.first, deployment.first), min(cap.last, deployment.last) + 1):
                load[day] += unit.strength
    return load


def keeps_caps(instance: PlanningInstance, plan: tuple[Deployment, ...]) -> bool:
    return all(
        max(cap_load(instance, plan, cap), default=0) <= cap.max_personnel for cap in instance.caps
    )


def may_be_present(unit: PlanningUnit, day: int) -> bool:
    """Inside the unit's window: availability, and for a unit deployed on start its maximum."""
    return unit.earliest_first <= day <= unit.latest_last


def last_day_of_stay(unit: PlanningUnit, first: int) -> int:
    """The last day a stay beginning on `first` may last to: the window and the maximum
    deployment (a unit deployed on start has served days before; its window counts them)."""
    if unit.location is not None:
        return unit.latest_last
    return min(unit.latest_last, first + unit.max_days - 1)


def may_arrive_later(unit: PlanningUnit) -> bool:
    """Only a unit not deployed on start may begin its stay after day 0."""
    return unit.location is None


def keeps_windows(instance: PlanningInstance, plan: tuple[Deployment, ...]) -> bool:
    """Every stay inside its unit's window and maximum, at one place per unit, and a unit
    deployed on start there from day 0."""
    seen: set[str] = set()
    for deployment in plan:
        unit = instance.unit_by_id.get(deployment.unit)
        if unit is None or deployment.unit in seen:
            return False
        seen.add(deployment.unit)
        if not may_be_present(unit, deployment.first):
            return False
        if deployment.last > last_day_of_stay(unit, deployment.first):
            return False
        if not may_arrive_later(unit) and (
            deployment.first != 0 or deployment.location != unit.location
        ):
            return False
    return True


def keeps_plan_rules(instance: PlanningInstance, plan: tuple[Deployment, ...]) -> bool:
    """Caps, windows and maximum deployment: what a plan from elsewhere (a warm start) must
    keep before it may stand for this instance's plan."""
    return keeps_windows(instance, plan) and keeps_caps(instance, plan)
