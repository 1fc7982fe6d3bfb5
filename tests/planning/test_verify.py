"""The verifier refuses every kind of broken plan, naming what is wrong."""

from __future__ import annotations

from typing import Any

import pytest

from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.verify import verify_plan
from mobilize.scenario.schemas import Scenario
from tests.planning.conftest import tiny_scenario


@pytest.fixture
def scenario() -> Scenario:
    return tiny_scenario(
        [
            {
                "id": "old",
                "strength": 300,
                "location": "A",
                "deployed_since": "2018-12-01",
                "max_deployment_days": 40,
            },
            {
                "id": "fresh",
                "strength": 200,
                "available_from": "2019-01-04",
                "available_until": "2019-01-09",
            },
            {"id": "leo", "capability": "LEO", "component": "civilian", "strength": 20},
        ],
        [{"location": "A", "capability": "MP", "personnel": 250}],
        caps=[{"component": "active", "max_personnel": 400}],
    )


def plan_with(deployments: list[dict[str, Any]], **derived: Any) -> PlanDocument:
    return PlanDocument.model_validate({"scenario": "tiny", "deployments": deployments, **derived})


def violations(scenario: Scenario, deployments: list[dict[str, Any]], **derived: Any) -> list[str]:
    return verify_plan(scenario, plan_with(deployments, **derived)).violations


OLD_STAYS = {"unit": "old", "location": "A", "from": "2019-01-01", "to": "2019-01-09"}

BROKEN = {
    "unknown unit": (
        {"unit": "ghost", "location": "A", "from": "2019-01-01", "to": "2019-01-02"},
        "unknown unit 'ghost'",
    ),
    "unknown location": (
        {"unit": "fresh", "location": "Z", "from": "2019-01-05", "to": "2019-01-06"},
        "unknown location 'Z'",
    ),
    "deployed unit moved": (
        {"unit": "old", "location": "B", "from": "2019-01-01", "to": "2019-01-02"},
        "cannot move to B",
    ),
    "deployed unit arriving late": (
        {"unit": "old", "location": "A", "from": "2019-01-03", "to": "2019-01-05"},
        "begins on 2019-01-01",
    ),
    "before available": (
        {"unit": "fresh", "location": "A", "from": "2019-01-02", "to": "2019-01-05"},
        "before it is available",
    ),
    "past available_until": (
        {"unit": "fresh", "location": "A", "from": "2019-01-05", "to": "2019-01-10"},
        "past available_until",
    ),
    "past its maximum": (
        {"unit": "old", "location": "A", "from": "2019-01-01", "to": "2019-01-10"},
        "over its maximum of 40",
    ),
    "outside the horizon": (
        {"unit": "leo", "location": "B", "from": "2019-01-05", "to": "2019-01-12"},
        "outside the horizon",
    ),
    "to before from": (
        {"unit": "leo", "location": "B", "from": "2019-01-05", "to": "2019-01-04"},
        "is before from",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_each_broken_rule_is_named(scenario: Scenario, case: str) -> None:
    deployment, expected = BROKEN[case]
    found = violations(scenario, [deployment])
    assert any(expected in violation for violation in found), found


def test_a_cap_broken_on_any_day_is_named(scenario: Scenario) -> None:
    found = violations(
        scenario,
        [OLD_STAYS, {"unit": "fresh", "location": "A", "from": "2019-01-05", "to": "2019-01-06"}],
    )
    assert found == [
        "caps[0]: 500 active personnel on 2019-01-05, over the cap of 400",
        "caps[0]: 500 active personnel on 2019-01-06, over the cap of 400",
    ]


def test_two_deployments_of_one_unit_are_refused(scenario: Scenario) -> None:
    twice = [
        {"unit": "leo", "location": "B", "from": d, "to": d} for d in ("2019-01-02", "2019-01-05")
    ]
    assert any("2 deployments" in v for v in violations(scenario, twice))


def test_derived_sections_must_agree_with_the_deployments(scenario: Scenario) -> None:
    good = make_plan(scenario, PlanRequest(solver="greedy"))
    assert verify_plan(scenario, good).violations == []
    document = good.model_dump(by_alias=True)
    document["metrics"]["moves"] += 1
    document["shortfalls"] = [
        *document["shortfalls"][1:],
        {"date": "2019-01-08", "location": "B", "capability": "MP", "required": 5, "covered": 0},
    ]
    document["actions"][0]["reason"] = " "
    found = verify_plan(scenario, PlanDocument.model_validate(document)).violations
    assert any(v.startswith("metrics.moves: the plan says") for v in found)
    assert any("MP at B on 2019-01-08 is not short" in v for v in found)
    assert any("has no reason" in v for v in found)


def test_a_missing_or_invented_action_is_named(scenario: Scenario) -> None:
    actions = [
        {"date": "2019-01-03", "unit": "leo", "action": "deploy", "location": "B", "reason": "x"}
    ]
    found = violations(scenario, [OLD_STAYS], actions=actions)
    assert found == [
        "actions: missing withdraw of old at A on 2019-01-10",
        "actions: deploy of leo at B on 2019-01-03 does not follow from the deployments",
    ]


def test_a_hand_made_plan_without_derived_sections_is_checked_and_measured(
    scenario: Scenario,
) -> None:
    result = verify_plan(scenario, plan_with([OLD_STAYS]))
    assert result.violations == []
    # 300 present for 250 required on days 1-9, gone on day 10: 50 over, then 250 short
    assert result.metrics.excess_person_days == 50 * 9
    assert result.metrics.shortfall_person_days == 250
    assert result.metrics.moves == 1


def test_a_plan_for_another_scenario_is_refused(scenario: Scenario) -> None:
    plan = PlanDocument.model_validate({"scenario": "other", "deployments": []})
    assert verify_plan(scenario, plan).violations[0].startswith("scenario: the plan is for 'other'")
