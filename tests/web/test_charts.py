"""The pages' figures, pure: strength per day against the caps, the map, the timeline."""

from __future__ import annotations

from datetime import date

from mobilize.planning.service import PlanRequest, make_plan
from mobilize.scenario.schemas import Scenario
from mobilize.web.charts import daily_strength, plan_timeline, strength_figure
from mobilize.web.map import _label_spots, location_map


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


def test_map_labels_do_not_collide_and_nothing_is_cut_at_the_edge(
    reference_scenario: Scenario,
) -> None:
    people = {location.id: 400 + 100 * i for i, location in enumerate(reference_scenario.locations)}
    view = location_map(reference_scenario, people, [])
    boxes = [
        next(spot[3] for spot in _label_spots(p) if (spot[0], spot[1]) == (p.label_x, p.label_y))
        for p in view.points
    ]
    for index, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[index + 1 :])
    left, top, width, height = (float(v) for v in view.view_box.split())
    for point in view.points:
        assert left <= point.x - point.radius
        assert point.x + point.radius <= left + width
        assert top <= point.label_y - 12 < point.label_y <= top + height
    assert [size for size, _ in view.legend] == [100, 300, 1000]  # most: 1,200
    radii = [radius for _, radius in view.legend]
    assert radii == sorted(radii)


def test_the_chart_marks_the_day_and_writes_thousands_with_separators(
    reference_scenario: Scenario,
) -> None:
    strength = daily_strength(reference_scenario, None)
    figure = strength_figure(strength, date(2018, 12, 20))
    layout = figure["layout"]
    assert layout["yaxis"]["tickformat"] == ",d"
    assert layout["shapes"][0]["x0"] == "2018-12-20"
    assert layout["annotations"][0]["text"] == "20 Dec"
    assert layout["legend"]["y"] > 1  # above the plot, clear of the date axis
