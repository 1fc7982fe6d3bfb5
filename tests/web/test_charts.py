"""The pages' figures, pure: strength per day against the caps, the map, the timeline."""

from __future__ import annotations

from datetime import date

from mobilize.planning.service import PlanRequest, make_plan
from mobilize.scenario.schemas import Scenario
from mobilize.web.charts import daily_strength, location_map, plan_timeline, strength_figure


def test_daily_strength_adds_up_the_plan_and_draws_the_cap_where_it_holds(
    reference_scenario: Scenario,
) -> None:
    plan = make_plan(reference_scenario, PlanRequest(solver="greedy"))
    strength = daily_strength(reference_scenario, plan)
    day = strength.days.index(date(2018, 12, 20))
    units = {unit.id: unit for unit in reference_scenario.units}
    expected = sum(
        units[d.unit].strength
        for d in plan.deployments
        if units[d.unit].component.value == "active" and d.from_ <= date(2018, 12, 20) <= d.to
    )
    assert strength.by_component["active"][day] == expected
    assert strength.caps["active"][day] == 4000
    assert strength.caps["active"][strength.days.index(date(2018, 12, 15))] is None
    figure = strength_figure(strength)
    assert {trace["name"] for trace in figure["data"]} >= {"active", "guard", "cap (active)"}


def test_the_map_places_west_left_of_east_and_sizes_by_people(
    reference_scenario: Scenario,
) -> None:
    view = location_map(reference_scenario, {"SDC": 1000, "RGV": 250}, [])
    points = {point.code: point for point in view.points}
    assert points["SDC"].x < points["EPT"].x < points["RGV"].x
    assert points["SDC"].radius > points["RGV"].radius > points["EPT"].radius


def test_the_timeline_has_a_bar_per_deployment_and_marks_reliefs(
    reference_scenario: Scenario,
) -> None:
    plan = make_plan(reference_scenario, PlanRequest(solver="greedy"))
    timeline = plan_timeline(reference_scenario, plan)
    assert len(timeline.bars) == len(plan.deployments)
    reliefs = [a for a in plan.actions or [] if a.action == "deploy" and "relieves " in a.reason]
    assert reliefs, "the reference plan relieves the units past their maximum"
    assert len([m for m in timeline.marks if m.kind == "relief"]) == len(reliefs)


def test_the_timeline_has_a_band_per_place_and_marks_where_the_cap_starts(
    reference_scenario: Scenario,
) -> None:
    plan = make_plan(reference_scenario, PlanRequest(solver="greedy"))
    timeline = plan_timeline(reference_scenario, plan)
    places = {d.location for d in plan.deployments}
    assert len(timeline.groups) == len(places)
    assert all(g.label.endswith(")") for g in timeline.groups)
    assert [label for _, label in timeline.caps] == ["cap 4,000 active from 16 Dec"]
    for bar in timeline.bars:  # each bar lies in its place's band
        band = next(g for g in timeline.groups if g.label.endswith(f"({bar.location})"))
        assert band.y < bar.y < band.y + band.height
