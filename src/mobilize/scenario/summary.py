"""What a staff officer checks first in a scenario: horizon, force, needs, caps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from mobilize.scenario.schemas import Component, DateRange, Passes, Scenario


@dataclass(frozen=True)
class ForceLine:
    """Units and personnel of one component and capability, deployed on start or in reserve."""

    component: Component
    capability: str
    deployed_units: int
    deployed_personnel: int
    reserve_units: int
    reserve_personnel: int


@dataclass(frozen=True)
class CapLine:
    component: Component | None
    max_personnel: int
    days: DateRange


@dataclass(frozen=True)
class ScenarioSummary:
    name: str
    horizon: DateRange
    force: tuple[ForceLine, ...]
    deployed_on_start: dict[Component, int]
    requirement_person_days: dict[str, int]
    caps: tuple[CapLine, ...]
    passes: Passes | None

    @property
    def start(self) -> date:
        return self.horizon.first


def summarize(scenario: Scenario) -> ScenarioSummary:
    return ScenarioSummary(
        name=scenario.name,
        horizon=scenario.horizon,
        force=_force_lines(scenario),
        deployed_on_start=_deployed_on_start(scenario),
        requirement_person_days=_requirement_person_days(scenario),
        caps=tuple(
            CapLine(c.component, c.max_personnel, scenario.cap_days(c)) for c in scenario.caps
        ),
        passes=scenario.passes,
    )


def _force_lines(scenario: Scenario) -> tuple[ForceLine, ...]:
    units: Counter[tuple[Component, str, bool]] = Counter()
    personnel: Counter[tuple[Component, str, bool]] = Counter()
    for unit in scenario.units:
        key = (unit.component, unit.capability, unit.is_deployed_on_start)
        units[key] += 1
        personnel[key] += unit.strength
    groups = sorted({(component, capability) for component, capability, _ in units})
    return tuple(
        ForceLine(
            component=component,
            capability=capability,
            deployed_units=units[(component, capability, True)],
            deployed_personnel=personnel[(component, capability, True)],
            reserve_units=units[(component, capability, False)],
            reserve_personnel=personnel[(component, capability, False)],
        )
        for component, capability in groups
    )


def _deployed_on_start(scenario: Scenario) -> dict[Component, int]:
    totals = dict.fromkeys(Component, 0)
    for unit in scenario.units:
        if unit.is_deployed_on_start:
            totals[unit.component] += unit.strength
    return totals


def _requirement_person_days(scenario: Scenario) -> dict[str, int]:
    """Person-days needed inside the horizon, per capability, requirements and tasks together."""
    totals: Counter[str] = Counter()
    horizon = scenario.horizon
    for requirement in scenario.requirements:
        days = scenario.requirement_days(requirement).clip(horizon)
        totals[requirement.capability] += requirement.personnel * len(days)
    for task in scenario.tasks:
        totals[task.capability] += task.personnel * len(scenario.task_days(task).clip(horizon))
    return dict(sorted(totals.items()))
