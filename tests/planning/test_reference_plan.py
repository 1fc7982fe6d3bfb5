"""The reference scenario planned end to end: the 2018 targets hold and the plan verifies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mobilize.planning.render import daily_personnel
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.scenario.schemas import Component, Scenario
from tests.planning.conftest import assert_verified

CAP_DATE = date(2018, 12, 16)


@pytest.fixture(scope="module")
def plan(reference_scenario: Scenario) -> PlanDocument:
    document = make_plan(reference_scenario, PlanRequest(config=SolverConfig(time_limit=30)))
    assert_verified(reference_scenario, document)
    return document


def test_active_duty_stays_at_most_4000_from_the_cap_date(
    plan: PlanDocument, reference_scenario: Scenario
) -> None:
    active = daily_personnel(plan, reference_scenario)[Component.ACTIVE.value]
    first = (CAP_DATE - reference_scenario.start).days
    assert active[0] == pytest.approx(5900, abs=100)
    assert max(active[first:]) <= 4000


def test_every_police_medical_and_aviation_need_is_covered(plan: PlanDocument) -> None:
    assert [s for s in plan.shortfalls or [] if s.capability in {"MP", "MED", "AVN"}] == []
    assert plan.solver is not None
    assert plan.solver.stages[0].status == "optimal"


def test_no_engineer_stays_after_the_wire_is_laid(
    plan: PlanDocument, reference_scenario: Scenario
) -> None:
    task_end = {
        t.location: t.until
        for t in reference_scenario.tasks
        if t.capability == "ENG" and t.until is not None
    }
    units = {u.id: u for u in reference_scenario.units}
    for deployment in plan.deployments:
        if units[deployment.unit].capability == "ENG":
            assert deployment.to <= task_end[deployment.location], deployment


def test_units_at_their_maximum_are_relieved_by_fresh_units_in_place(
    plan: PlanDocument, reference_scenario: Scenario
) -> None:
    units = {u.id: u for u in reference_scenario.units}
    arrivals = [d for d in plan.deployments if units[d.unit].location is None]
    must_leave = [
        u
        for u in reference_scenario.units
        if u.capability in {"MP", "MED", "AVN"}
        and u.deployed_since is not None
        and u.deployed_since + timedelta(days=reference_scenario.max_deployment_days(u))
        <= reference_scenario.end
    ]
    assert must_leave
    for unit in must_leave:
        stays = [d for d in plan.deployments if d.unit == unit.id]
        leaves = stays[0].to + timedelta(days=1) if stays else reference_scenario.start
        reliefs = [
            a
            for a in arrivals
            if units[a.unit].capability == unit.capability
            and a.location == unit.location
            and a.from_ <= leaves
        ]
        assert reliefs, f"{unit.id} leaves {leaves} without relief"


def test_camp_pendleton_marines_are_on_the_line_over_christmas(
    plan: PlanDocument, reference_scenario: Scenario
) -> None:
    marines = [
        u.id
        for u in reference_scenario.units
        if "Camp Pendleton" in u.home.name and u.capability != "ENG"
    ]
    assert marines
    for deployment in plan.deployments:
        if deployment.unit in marines:
            assert deployment.from_ <= date(2018, 12, 24)
            assert deployment.to >= date(2019, 1, 1)
    assert {d.unit for d in plan.deployments} >= set(marines)


def test_every_action_says_why(plan: PlanDocument) -> None:
    assert plan.actions
    assert all(len(action.reason) > 20 for action in plan.actions)
