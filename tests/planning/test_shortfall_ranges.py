"""A plan's shortfalls as runs of days per place and capability, each with its cause."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from mobilize.planning.schemas import ShortfallDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.shortfall_ranges import SourcedNeed, shortfall_ranges
from mobilize.scenario.schemas import Component, Scenario


def _short(location: str, capability: str, first: date, days: int, short: int) -> list[Any]:
    return [
        ShortfallDocument(
            date=first + timedelta(days=n),
            location=location,
            capability=capability,
            required=short + 5,
            covered=5,
        )
        for n in range(days)
    ]


def test_consecutive_days_are_one_line_and_a_gap_starts_another(
    reference_scenario: Scenario,
) -> None:
    plan = make_plan(reference_scenario, PlanRequest(solver="greedy"))
    days = _short("EPT", "LEO", date(2018, 12, 20), 10, 20) + _short(
        "EPT", "LEO", date(2019, 1, 5), 3, 4
    )
    ranges = shortfall_ranges(reference_scenario, plan.model_copy(update={"shortfalls": days}))
    assert [(r.first, r.last, r.least, r.person_days) for r in ranges] == [
        (date(2018, 12, 20), date(2018, 12, 29), 20, 200),
        (date(2019, 1, 5), date(2019, 1, 7), 4, 12),
    ]


def test_the_reference_plan_adds_up_to_its_shortfall_metric(
    reference_scenario: Scenario,
) -> None:
    plan = make_plan(reference_scenario, PlanRequest(solver="greedy"))
    ranges = shortfall_ranges(reference_scenario, plan)
    assert plan.metrics is not None
    assert sum(r.person_days for r in ranges) == plan.metrics.shortfall_person_days
    assert len(ranges) < len(plan.shortfalls or [])
    assert all("units the planner may place" in r.cause for r in ranges)


def test_an_approved_line_without_a_fill_is_named_as_the_cause(
    reference_scenario: Scenario,
) -> None:
    plan = make_plan(reference_scenario, PlanRequest(solver="greedy"))
    days = _short("ELC", "LEO", date(2018, 12, 20), 5, 10)
    line = SourcedNeed(
        "ELC", "LEO", date(2018, 12, 20), date(2019, 1, 10), "RFA-2018-0003 line 1 (version 1)", 10
    )
    shown = plan.model_copy(update={"shortfalls": days})
    (found,) = shortfall_ranges(reference_scenario, shown, [line])
    assert "10 approved on RFA-2018-0003 line 1 (version 1), no unit filled for them yet" in (
        found.cause
    )


def test_active_duty_cannot_cover_law_enforcement(reference_scenario: Scenario) -> None:
    only_active = [
        unit.model_copy(update={"component": Component.ACTIVE})
        if unit.capability == "LEO"
        else unit
        for unit in reference_scenario.units
    ]
    scenario = reference_scenario.model_copy(update={"units": only_active})
    plan = make_plan(reference_scenario, PlanRequest(solver="greedy"))
    shown = plan.model_copy(update={"shortfalls": _short("SDC", "LEO", date(2018, 12, 20), 2, 5)})
    (found,) = shortfall_ranges(scenario, shown)
    assert "active-duty LEO units may not do law enforcement" in found.cause
