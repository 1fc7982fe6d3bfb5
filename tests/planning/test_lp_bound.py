"""The LP relaxation's bound: valid on every small scenario, exact where the LP is."""

from __future__ import annotations

import pytest

from mobilize.planning.instance import build_instance
from mobilize.planning.lp_bound import lp_shortfall_bound
from mobilize.planning.segments import segments
from mobilize.planning.solve import SolverConfig, solve_cp_sat
from tests.planning.conftest import tiny_scenario
from tests.planning.test_segments import random_small_scenario


@pytest.mark.parametrize("seed", range(8))
def test_the_lp_bound_never_exceeds_the_proved_optimum(seed: int) -> None:
    instance = build_instance(random_small_scenario(seed))
    _, solver = solve_cp_sat(instance, SolverConfig(time_limit=20))
    assert solver.stages[0].status == "optimal"
    found = lp_shortfall_bound(instance, segments(instance), seconds=20)
    assert found.solved
    assert 0 <= found.value <= solver.stages[0].objective


def test_a_cap_below_the_need_is_priced_by_the_lp() -> None:
    # 200 needed for 10 days, 300 available, a cap of 150: 50 short a day is forced,
    # and the relaxation sees it (fractions of units cannot beat a cap on personnel)
    scenario = tiny_scenario(
        [
            {"id": "mp-1", "strength": 100, "location": "A", "deployed_since": "2018-12-01"},
            {"id": "mp-2", "strength": 100},
            {"id": "mp-3", "strength": 100},
        ],
        [{"location": "A", "capability": "MP", "personnel": 200}],
        caps=[{"component": "active", "max_personnel": 150}],
    )
    instance = build_instance(scenario)
    found = lp_shortfall_bound(instance, segments(instance), seconds=20)
    assert found.solved
    assert found.value == 500
