"""The price of a cap: levels, the scenario at each, parallel solves, a monotone curve."""

from __future__ import annotations

import pytest

from mobilize.planning.evaluate import Deployment
from mobilize.planning.greedy import greedy_plan
from mobilize.planning.instance import build_instance
from mobilize.planning.schemas import SolverDocument, StageDocument
from mobilize.planning.solve import SolverConfig
from mobilize.planning.tradeoff import (
    cap_levels,
    monotone_levels,
    price_of_cap,
    scenario_at_cap,
    with_shared_bounds,
)
from mobilize.scenario.schemas import Component, Scenario
from tests.planning.conftest import assert_verified, tiny_scenario


def three_companies(caps: list[dict[str, object]] | None = None) -> Scenario:
    """200 MP needed at A for 10 days; one company of 100 there, two fresh ones at home."""
    return tiny_scenario(
        [
            {"id": "mp-1", "strength": 100, "location": "A", "deployed_since": "2018-12-01"},
            {"id": "mp-2", "strength": 100},
            {"id": "mp-3", "strength": 100},
        ],
        [{"location": "A", "capability": "MP", "personnel": 200}],
        caps=caps if caps is not None else [{"component": "active", "max_personnel": 300}],
    )


def test_levels_are_read_as_a_range_with_its_end_or_a_list() -> None:
    assert cap_levels("3000:5000:500") == [3000, 3500, 4000, 4500, 5000]
    assert cap_levels("3000:4100:500") == [3000, 3500, 4000]
    assert cap_levels("5000,3000, 4000") == [3000, 4000, 5000]


@pytest.mark.parametrize("text", ["3000:5000", "5000:3000:250", "3000:5000:0", "-1,2", "a:b:c"])
def test_malformed_levels_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        cap_levels(text)


def test_the_scenario_at_a_level_changes_only_the_component_s_caps() -> None:
    scenario = three_companies(
        [{"component": "active", "max_personnel": 300}, {"max_personnel": 1000}]
    )
    at_level = scenario_at_cap(scenario, Component.ACTIVE, 150)
    assert [(c.component, c.max_personnel) for c in at_level.caps] == [
        (Component.ACTIVE, 150),
        (None, 1000),
    ]


def test_a_component_without_a_cap_gets_one_over_the_whole_horizon() -> None:
    at_level = scenario_at_cap(three_companies([]), Component.GUARD, 50)
    assert [(c.component, c.max_personnel, c.from_) for c in at_level.caps] == [
        (Component.GUARD, 50, None)
    ]


def test_each_level_shows_what_its_cap_costs_and_every_plan_verifies() -> None:
    levels = price_of_cap(
        three_companies(), Component.ACTIVE, [100, 200, 300], SolverConfig(time_limit=10), 2
    )
    assert [level.cap for level in levels] == [100, 200, 300]
    rows = [level.row(["MP"]) for level in levels]
    assert [row["shortfall_person_days"] for row in rows] == [1000, 0, 0]
    assert rows[0]["shortfall_by_capability"] == {"MP": 1000}
    assert [row["status"] for row in rows] == ["optimal"] * 3
    for level in levels:
        assert level.verified
        assert level.reused_from is None
        assert_verified(level.scenario, level.plan)


def test_a_higher_level_never_shows_a_worse_plan_than_a_lower_one() -> None:
    scenario = three_companies()
    scenarios = {cap: scenario_at_cap(scenario, Component.ACTIVE, cap) for cap in (200, 300)}
    good = greedy_plan(build_instance(scenarios[200]))
    worse = (Deployment("mp-1", "A", 0, 9),)  # 100 short on each of 10 days
    found = SolverDocument(name="cp-sat", status="feasible", seconds=1, objective=1000, bound=0)
    levels = monotone_levels(scenarios, {200: (good, found), 300: (worse, found)})
    assert levels[1].reused_from == 200
    assert levels[1].plan.metrics is not None
    assert levels[1].plan.metrics.shortfall_person_days == 0
    assert levels[1].plan.solver is not None
    assert levels[1].plan.solver.method is not None
    assert "plan of cap 200 reused" in levels[1].plan.solver.method
    for level in levels:
        assert_verified(level.scenario, level.plan)


def test_a_bound_at_a_higher_cap_bounds_every_lower_one() -> None:
    scenario = three_companies()
    scenarios = {cap: scenario_at_cap(scenario, Component.ACTIVE, cap) for cap in (100, 200)}
    plans = {cap: greedy_plan(build_instance(scenarios[cap])) for cap in (100, 200)}

    def found(bound: float) -> SolverDocument:
        stage = StageDocument(
            level="shortfall", status="feasible", seconds=1, objective=1000, bound=bound
        )
        return SolverDocument(name="cp-sat", status="feasible", seconds=1, stages=[stage])

    levels = monotone_levels(
        scenarios, {100: (plans[100], found(300)), 200: (plans[200], found(600))}
    )
    bounds = [level.shortfall_bound for level in with_shared_bounds(levels)]
    assert bounds == [600, 600]
