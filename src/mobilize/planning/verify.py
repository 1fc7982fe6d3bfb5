"""An independent check of any plan against a scenario: every hard rule, every derived figure.

Deliberately shares no code with the planner (not the instance, not the evaluation): it walks
the calendar day by day from the scenario and the plan's deployments, so that a mistake in the
planner's own bookkeeping cannot hide itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from mobilize.planning.schemas import DeploymentDocument, MetricsDocument, PlanDocument
from mobilize.planning.verify_passes import (
    Cells,
    away_on_pass,
    covers_needs,
    dates_between,
    pass_violations,
    spherical_km,
)
from mobilize.scenario.schemas import Scenario, Unit


@dataclass(frozen=True)
class Verification:
    violations: list[str]
    metrics: MetricsDocument

    @property
    def ok(self) -> bool:
        return not self.violations


def verify_plan(scenario: Scenario, plan: PlanDocument) -> Verification:
    violations: list[str] = []
    if plan.scenario != scenario.name:
        violations.append(f"scenario: the plan is for {plan.scenario!r}, not {scenario.name!r}")
    units = {unit.id: unit for unit in scenario.units}
    deployments = _checked_deployments(scenario, plan.deployments, units, violations)
    presence = _presence(scenario, deployments, units)
    violations += _cap_violations(scenario, deployments, units)
    expected_actions = _expected_actions(scenario, deployments, units)
    violations += _action_violations(plan, expected_actions)
    required = required_by_day(scenario)
    away = away_on_pass(scenario, plan.passes, deployments, units)
    violations += pass_violations(
        scenario, plan.passes, deployments, units, (required, presence, away)
    )
    # shortfalls are counted after passes (the contract); excess ignores passes
    after_passes = presence - away
    violations += _shortfall_violations(plan, _shortfalls(required, after_passes))
    metrics = _metrics(
        scenario, deployments, units, (required, presence, after_passes), expected_actions
    )
    violations += _metric_violations(plan.metrics, metrics)
    return Verification(violations, metrics)


def _checked_deployments(
    scenario: Scenario,
    documents: list[DeploymentDocument],
    units: dict[str, Unit],
    violations: list[str],
) -> list[DeploymentDocument]:
    """The deployments that name a known unit and location; every rule broken is recorded."""
    seen: Counter[str] = Counter(document.unit for document in documents)
    locations = {location.id for location in scenario.locations}
    kept = []
    for index, document in enumerate(documents):
        where = f"deployments[{index}] ({document.unit})"
        unit = units.get(document.unit)
        if unit is None:
            violations.append(f"{where}: unknown unit {document.unit!r}")
            continue
        if document.location not in locations:
            violations.append(f"{where}: unknown location {document.location!r}")
            continue
        if seen[document.unit] > 1:
            violations.append(
                f"{where}: the unit has {seen[document.unit]} deployments; at most one"
            )
        violations += [f"{where}: {problem}" for problem in _unit_rules(scenario, unit, document)]
        kept.append(document)
    return kept


def _unit_rules(scenario: Scenario, unit: Unit, deployment: DeploymentDocument) -> list[str]:
    problems = []
    first, last = deployment.from_, deployment.to
    if last < first:
        problems.append(f"to {last} is before from {first}")
    if first < scenario.start or last > scenario.end:
        problems.append(f"{first}..{last} is outside the horizon {scenario.start}..{scenario.end}")
    if unit.location is not None:
        if deployment.location != unit.location:
            problems.append(
                f"deployed at {unit.location} on start; it cannot move to {deployment.location}"
            )
        if first != scenario.start:
            problems.append(
                f"deployed on start, so its deployment begins on {scenario.start}, not {first}"
            )
    elif unit.available_from is not None and first < unit.available_from:
        problems.append(f"arrives {first}, before it is available ({unit.available_from})")
    if unit.available_until is not None and last > unit.available_until:
        problems.append(f"stays to {last}, past available_until {unit.available_until}")
    began = unit.deployed_since if unit.location is not None and unit.deployed_since else first
    days = (last - began).days + 1
    maximum = scenario.max_deployment_days(unit)
    if days > maximum:
        problems.append(f"deployed {days} days (since {began}), over its maximum of {maximum}")
    if not covers_needs(scenario, unit):
        problems.append(f"an active unit covers law-enforcement capability {unit.capability}")
    return problems


def _presence(
    scenario: Scenario, deployments: list[DeploymentDocument], units: dict[str, Unit]
) -> Counter[tuple[date, str, str]]:
    """Personnel counted towards requirements per (day, location, capability)."""
    present: Counter[tuple[date, str, str]] = Counter()
    for deployment in deployments:
        unit = units[deployment.unit]
        if not covers_needs(scenario, unit):
            continue
        for day in dates_between(deployment.from_, deployment.to):
            present[(day, deployment.location, unit.capability)] += unit.strength
    return present


def _cap_violations(
    scenario: Scenario, deployments: list[DeploymentDocument], units: dict[str, Unit]
) -> list[str]:
    problems = []
    for index, cap in enumerate(scenario.caps):
        days = scenario.cap_days(cap)
        for day in dates_between(days.first, days.last):
            total = sum(
                units[d.unit].strength
                for d in deployments
                if d.from_ <= day <= d.to
                and (cap.component is None or units[d.unit].component is cap.component)
            )
            if total > cap.max_personnel:
                who = cap.component.value if cap.component else "all"
                problems.append(
                    f"caps[{index}]: {total} {who} personnel on {day}, "
                    f"over the cap of {cap.max_personnel}"
                )
    return problems


def _expected_actions(
    scenario: Scenario, deployments: list[DeploymentDocument], units: dict[str, Unit]
) -> set[tuple[date, str, str, str]]:
    """(date, unit, action, location) of every action the deployments imply."""
    expected: set[tuple[date, str, str, str]] = set()
    deployed_units = {deployment.unit for deployment in deployments}
    for unit in scenario.units:
        if unit.location is not None and unit.id not in deployed_units:
            expected.add((scenario.start, unit.id, "withdraw", unit.location))
    for deployment in deployments:
        unit = units[deployment.unit]
        if deployment.from_ > scenario.start or unit.location is None:
            expected.add((deployment.from_, unit.id, "deploy", deployment.location))
        if deployment.to < scenario.end:
            expected.add(
                (deployment.to + timedelta(days=1), unit.id, "withdraw", deployment.location)
            )
    return expected


def _action_violations(plan: PlanDocument, expected: set[tuple[date, str, str, str]]) -> list[str]:
    if plan.actions is None:
        return []
    problems = [
        f"actions: {a.unit} {a.action} on {a.date} has no reason"
        for a in plan.actions
        if not a.reason.strip()
    ]
    given = {(a.date, a.unit, a.action, a.location) for a in plan.actions}
    problems += [
        f"actions: missing {act} of {unit} at {loc} on {day}"
        for day, unit, act, loc in sorted(expected - given)
    ]
    problems += [
        f"actions: {act} of {unit} at {loc} on {day} does not follow from the deployments"
        for day, unit, act, loc in sorted(given - expected)
    ]
    if len(plan.actions) != len(given):
        problems.append("actions: the same action is listed more than once")
    return problems


def required_by_day(scenario: Scenario) -> Counter[tuple[date, str, str]]:
    """Personnel required per (day, location, capability) inside the horizon; needs add up."""
    required: Counter[tuple[date, str, str]] = Counter()
    ranges = [
        (r.location, r.capability, r.personnel, scenario.requirement_days(r))
        for r in scenario.requirements
    ]
    ranges += [
        (t.location, t.capability, t.personnel, scenario.task_days(t)) for t in scenario.tasks
    ]
    for location, capability, personnel, days in ranges:
        clipped = days.clip(scenario.horizon)
        for day in dates_between(clipped.first, clipped.last):
            required[(day, location, capability)] += personnel
    return required


def _shortfalls(
    required: Counter[tuple[date, str, str]], present: Counter[tuple[date, str, str]]
) -> dict[tuple[date, str, str], tuple[int, int]]:
    """(required, covered) of every day, location and capability covered below requirement."""
    return {key: (need, present[key]) for key, need in required.items() if present[key] < need}


def _shortfall_violations(
    plan: PlanDocument, expected: dict[tuple[date, str, str], tuple[int, int]]
) -> list[str]:
    if plan.shortfalls is None:
        return []
    given = {(s.date, s.location, s.capability): (s.required, s.covered) for s in plan.shortfalls}
    problems = []
    for key in sorted(set(expected) | set(given)):
        day, location, capability = key
        if key not in given:
            need, have = expected[key]
            problems.append(
                f"shortfalls: missing {capability} at {location} on {day}: {have} covered of {need}"
            )
        elif key not in expected:
            problems.append(f"shortfalls: {capability} at {location} on {day} is not short")
        elif given[key] != expected[key]:
            problems.append(
                f"shortfalls: {capability} at {location} on {day} is {expected[key]} "
                f"(required, covered), not {given[key]}"
            )
    return problems


def _metrics(
    scenario: Scenario,
    deployments: list[DeploymentDocument],
    units: dict[str, Unit],
    cells: tuple[Cells, Cells, Cells],
    actions: set[tuple[date, str, str, str]],
) -> MetricsDocument:
    required, present, after_passes = cells
    keys = set(required) | set(present)
    locations = {location.id: location for location in scenario.locations}
    transport = sum(
        units[unit].strength * _km(units[unit], locations[location].lat, locations[location].lon)
        for _, unit, _, location in actions
    )
    daily: Counter[date] = Counter()
    for deployment in deployments:
        for day in dates_between(deployment.from_, deployment.to):
            daily[day] += units[deployment.unit].strength
    return MetricsDocument(
        shortfall_person_days=sum(max(0, required[k] - after_passes[k]) for k in keys),
        excess_person_days=sum(max(0, present[k] - required[k]) for k in keys),
        moves=len(actions),
        transport_person_km=round(transport),
        peak_personnel=max(daily.values(), default=0),
    )


def _km(unit: Unit, lat: float, lon: float) -> float:
    return spherical_km(unit.home.lat, unit.home.lon, lat, lon)


def _metric_violations(given: MetricsDocument | None, expected: MetricsDocument) -> list[str]:
    if given is None:
        return []
    problems = []
    for name, value in expected.model_dump().items():
        stated = getattr(given, name)
        tolerance = 1 if name == "transport_person_km" else 0  # rounding of a sum of floats
        if abs(stated - value) > tolerance:
            problems.append(f"metrics.{name}: the plan says {stated}, the deployments give {value}")
    return problems
