"""Fitting the capabilities' plans under the caps: a plan inside theirs that keeps every rule."""

from __future__ import annotations

import pytest

from mobilize.planning.assemble import assemble_plan
from mobilize.planning.decompose import shortfall_by_capability
from mobilize.planning.evaluate import Deployment, plan_score
from mobilize.planning.instance import build_instance
from mobilize.planning.repair import fit_under_caps
from mobilize.planning.rules import keeps_caps
from mobilize.planning.schemas import SolverDocument
from mobilize.planning.segments import segments
from mobilize.planning.solve import SolverConfig, solve_cp_sat
from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from tests.planning.conftest import assert_verified, tiny_scenario
from tests.planning.test_segments import random_small_scenario


def inside(plan: tuple[Deployment, ...], outer: tuple[Deployment, ...]) -> bool:
    where = {d.unit: d for d in outer}
    return all(
        d.unit in where
        and where[d.unit].location == d.location
        and where[d.unit].first <= d.first <= d.last <= where[d.unit].last
        for d in plan
    )


def test_two_capabilities_over_a_cap_share_it_and_the_shortfall_is_exact() -> None:
    # alone, MP and ENG each keep their 300 on the line; together they break the cap of 400,
    # so one of them goes: 300 short a day (ENG's need, 200, is the cheaper to lose)
    scenario = tiny_scenario(
        [
            {"id": "mp", "strength": 300, "location": "A", "deployed_since": "2018-12-20"},
            {
                "id": "eng",
                "capability": "ENG",
                "strength": 300,
                "location": "B",
                "deployed_since": "2018-12-20",
            },
        ],
        [
            {"location": "A", "capability": "MP", "personnel": 300},
            {"location": "B", "capability": "ENG", "personnel": 200},
        ],
        caps=[{"component": "active", "max_personnel": 400}],
    )
    instance = build_instance(scenario)
    budget = SolverConfig(time_limit=10).budget()
    found = shortfall_by_capability(instance, 1, 0, budget)
    assert found is not None
    assert found.plan is not None
    assert found.total == 0
    assert not keeps_caps(instance, found.plan)
    fitted = fit_under_caps(instance, segments(instance), found.plan, budget, 1, 0)
    assert fitted == (Deployment("mp", "A", 0, 9),)
    assert plan_score(instance, fitted)[0] == 2000
    document = SolverDocument(name="cp-sat", status="feasible", seconds=0.0)
    assert_verified(scenario, assemble_plan(instance, fitted, document))


@pytest.mark.parametrize("seed", range(6))
def test_a_fitted_plan_keeps_the_caps_and_stays_inside_the_capabilities_plans(seed: int) -> None:
    scenario = random_small_scenario(seed)
    instance = build_instance(scenario)
    budget = SolverConfig(time_limit=10).budget()
    found = shortfall_by_capability(instance, 1, 0, budget)
    assert found is not None
    assert found.plan is not None
    fitted = fit_under_caps(instance, segments(instance), found.plan, budget, 1, 0)
    assert fitted is not None
    assert keeps_caps(instance, fitted)
    assert inside(fitted, found.plan)
    # never below the capabilities' bound, which holds for every plan
    assert plan_score(instance, fitted)[0] >= found.total
    document = SolverDocument(name="cp-sat", status="feasible", seconds=0.0)
    assert_verified(scenario, assemble_plan(instance, fitted, document))


def test_a_cap_bound_neighbourhood_search_starts_from_the_fitted_plans_and_verifies() -> None:
    scenario = generate_scenario(GeneratorSettings(units=40, locations=4, days=40, seed=2))
    instance = build_instance(scenario)
    deployments, solver = solve_cp_sat(instance, SolverConfig(time_limit=10, full_model_limit=0))
    assert solver.method is not None
    assert "capabilities' plans fitted under the caps" in solver.method
    assert_verified(scenario, assemble_plan(instance, deployments, solver))
