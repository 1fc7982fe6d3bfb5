"""Small plans whose optimum was worked out by hand; every plan passes the verifier."""

from __future__ import annotations

from datetime import date

from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.scenario.schemas import Scenario
from tests.planning.conftest import NEAR, assert_verified, tiny_scenario

QUICK = PlanRequest(config=SolverConfig(time_limit=20, workers=8))


def solved(scenario: Scenario) -> PlanDocument:
    plan = make_plan(scenario, QUICK)
    assert_verified(scenario, plan)
    assert plan.solver is not None
    assert plan.solver.status == "optimal"
    return plan


def spans(plan: PlanDocument) -> set[tuple[str, str, int, int]]:
    start = date(2019, 1, 1)
    return {
        (d.unit, d.location, (d.from_ - start).days, (d.to - start).days) for d in plan.deployments
    }


def test_a_cap_that_cannot_hold_everyone_gives_an_exact_shortfall() -> None:
    scenario = tiny_scenario(
        [
            {"id": "old", "strength": 300, "location": "A", "deployed_since": "2018-12-01"},
            {"id": "new", "strength": 300, "location": "A", "deployed_since": "2018-12-20"},
        ],
        [{"location": "A", "capability": "MP", "personnel": 500}],
        caps=[{"component": "active", "max_personnel": 400}],
    )
    plan = solved(scenario)
    # one unit of 300 fits under the cap: 200 short on each of 10 days; the longest-deployed goes
    assert spans(plan) == {("new", "A", 0, 9)}
    assert plan.metrics is not None
    assert plan.metrics.shortfall_person_days == 2000
    assert len(plan.shortfalls or []) == 10
    assert all(s.required == 500 and s.covered == 300 for s in plan.shortfalls or [])


def relief_scenario(fresh_from: str) -> Scenario:
    """A unit whose 10-day maximum ends on 2019-01-05, and a fresh one of the same kind."""
    tired = {
        "id": "tired",
        "strength": 200,
        "location": "A",
        "deployed_since": "2018-12-27",
        "max_deployment_days": 10,
    }
    return tiny_scenario(
        [tired, {"id": "fresh", "strength": 200, "available_from": fresh_from}],
        [{"location": "A", "capability": "MP", "personnel": 200}],
    )


def test_a_unit_at_its_maximum_is_relieved_in_place_the_day_it_leaves() -> None:
    scenario = relief_scenario(fresh_from="2019-01-06")
    plan = solved(scenario)
    assert spans(plan) == {("tired", "A", 0, 4), ("fresh", "A", 5, 9)}
    reasons = {(a.unit, a.action): a.reason for a in plan.actions or []}
    assert "reaches its 10-day maximum on 2019-01-05" in reasons[("tired", "withdraw")]
    assert "relieved by fresh" in reasons[("tired", "withdraw")]
    assert "relieves tired" in reasons[("fresh", "deploy")]


def test_the_longest_deployed_goes_home_as_soon_as_relief_is_there() -> None:
    scenario = relief_scenario(fresh_from="2019-01-04")
    plan = solved(scenario)
    assert spans(plan) == {("tired", "A", 0, 2), ("fresh", "A", 3, 9)}
    reasons = {(a.unit, a.action): a.reason for a in plan.actions or []}
    assert "the longest-deployed go home first" in reasons[("tired", "withdraw")]


def test_engineers_go_home_the_day_after_their_task_ends() -> None:
    scenario = tiny_scenario(
        [
            {
                "id": "eng",
                "capability": "ENG",
                "strength": 150,
                "location": "A",
                "deployed_since": "2018-12-20",
            }
        ],
        tasks=[
            {
                "id": "wire-A",
                "location": "A",
                "capability": "ENG",
                "personnel": 100,
                "until": "2019-01-04",
            }
        ],
    )
    plan = solved(scenario)
    assert spans(plan) == {("eng", "A", 0, 3)}
    (withdrawal,) = plan.actions or []
    assert withdrawal.date == date(2019, 1, 5)
    assert "task 'wire-A'" in withdrawal.reason
    assert plan.metrics is not None
    assert plan.metrics.excess_person_days == 50 * 4


def test_law_enforcement_is_met_by_civilians_and_guard() -> None:
    scenario = tiny_scenario(
        [
            {"id": "marshals", "capability": "LEO", "component": "civilian", "strength": 40},
            {"id": "guard", "capability": "LEO", "component": "guard", "strength": 30},
        ],
        [{"location": "B", "capability": "LEO", "personnel": 50, "from": "2019-01-03"}],
    )
    plan = solved(scenario)
    assert spans(plan) == {("marshals", "B", 2, 9), ("guard", "B", 2, 9)}


def test_interchangeable_units_fill_needs_exactly() -> None:
    scenario = tiny_scenario(
        [{"id": f"mp-{n}", "strength": 100} for n in range(6)],
        [
            {"location": "A", "capability": "MP", "personnel": 300},
            {"location": "B", "capability": "MP", "personnel": 200},
        ],
    )
    plan = solved(scenario)
    assert plan.metrics is not None
    assert (plan.metrics.shortfall_person_days, plan.metrics.excess_person_days) == (0, 0)
    assert sorted(d.location for d in plan.deployments) == ["A", "A", "A", "B", "B"]


def test_excess_outranks_moves_a_unit_no_longer_needed_goes_home() -> None:
    scenario = tiny_scenario(
        [{"id": "mp", "strength": 100, "location": "A", "deployed_since": "2018-12-20"}],
        [{"location": "A", "capability": "MP", "personnel": 100, "to": "2019-01-05"}],
    )
    plan = solved(scenario)
    assert spans(plan) == {("mp", "A", 0, 4)}
    assert plan.metrics is not None
    assert plan.metrics.moves == 1


def test_among_equal_units_the_nearer_home_is_sent() -> None:
    scenario = tiny_scenario(
        [{"id": "far", "strength": 100}, {"id": "near", "strength": 100, "home": NEAR}],
        [{"location": "A", "capability": "MP", "personnel": 100}],
    )
    assert {d.unit for d in solved(scenario).deployments} == {"near"}


def test_an_unneeded_force_is_withdrawn_on_start() -> None:
    scenario = tiny_scenario(
        [{"id": "idle", "strength": 50, "location": "B", "deployed_since": "2018-12-30"}]
    )
    plan = solved(scenario)
    assert plan.deployments == []
    (withdrawal,) = plan.actions or []
    assert withdrawal.date == date(2019, 1, 1)
    assert withdrawal.reason


def test_greedy_plans_pass_the_verifier_too() -> None:
    scenario = tiny_scenario(
        [
            {"id": "old", "strength": 300, "location": "A", "deployed_since": "2018-12-01"},
            {"id": "fresh", "strength": 200, "available_from": "2019-01-04"},
        ],
        [{"location": "A", "capability": "MP", "personnel": 450}],
        caps=[{"component": "active", "max_personnel": 400, "from": "2019-01-06"}],
    )
    plan = make_plan(scenario, PlanRequest(solver="greedy"))
    assert_verified(scenario, plan)
    assert plan.solver is not None
    assert plan.solver.name == "greedy"
