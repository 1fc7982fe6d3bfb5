"""Trimming pure excess: shortfall unchanged, excess lower, every rule kept."""

from __future__ import annotations

import pytest

from mobilize.planning.assemble import assemble_plan
from mobilize.planning.evaluate import Deployment, metrics, plan_score
from mobilize.planning.greedy import greedy_plan
from mobilize.planning.instance import build_instance
from mobilize.planning.schemas import SolverDocument
from mobilize.planning.trim import trim_excess
from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from tests.planning.conftest import assert_verified, tiny_scenario


@pytest.mark.parametrize("seed", range(5))
def test_trimming_a_greedy_plan_keeps_shortfall_and_lowers_excess(seed: int) -> None:
    scenario = generate_scenario(GeneratorSettings(units=80, locations=5, days=60, seed=seed))
    instance = build_instance(scenario)
    before = greedy_plan(instance)
    after = trim_excess(instance, before)
    assert_verified(
        scenario,
        assemble_plan(instance, after, SolverDocument(name="t", status="feasible", seconds=0)),
    )
    assert (
        metrics(instance, after).shortfall_person_days
        == metrics(instance, before).shortfall_person_days
    )
    assert plan_score(instance, after) <= plan_score(instance, before)


def test_a_unit_no_longer_needed_is_cut_where_its_cell_stays_covered() -> None:
    scenario = tiny_scenario(
        [
            {"id": "a", "strength": 100, "location": "A", "deployed_since": "2018-12-20"},
            {"id": "b", "strength": 100, "location": "A", "deployed_since": "2018-12-25"},
        ],
        [{"location": "A", "capability": "MP", "personnel": 150, "to": "2019-01-04"}],
    )
    instance = build_instance(scenario)
    plan = (Deployment("a", "A", 0, 9), Deployment("b", "A", 0, 9))
    trimmed = trim_excess(instance, plan)
    # both are needed to reach 150 through day 3; after that neither is; "a" served longer
    assert trimmed == (Deployment("a", "A", 0, 3), Deployment("b", "A", 0, 3))
