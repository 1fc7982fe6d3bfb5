"""The LP of units' days: a valid bound wherever the optimum is proved, and what it sees."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mobilize.planning.bounds import shortfall_lower_bound
from mobilize.planning.decompose import shortfall_by_capability
from mobilize.planning.flow_bound import flow_shortfall_bound
from mobilize.planning.instance import build_instance
from mobilize.planning.solve import SolverConfig, solve_cp_sat
from tests.planning.conftest import tiny_scenario
from tests.planning.test_segments import proved_shortfall_optimum


@pytest.mark.parametrize("seed", range(16))
def test_the_units_days_lp_never_exceeds_the_proved_optimum(seed: int) -> None:
    instance, optimum = proved_shortfall_optimum(seed)
    alone = shortfall_by_capability(instance, 1, 0, SolverConfig(time_limit=5).budget())
    assert alone is not None
    plain = flow_shortfall_bound(instance)
    linked = flow_shortfall_bound(instance, alone.bounds)
    assert plain.solved
    assert linked.solved
    assert 0 <= plain.value <= linked.value <= optimum
    assert linked.value >= alone.total


def test_the_lp_sees_the_maximum_deployment_that_counting_misses() -> None:
    # 100 needed for 10 days; one fresh unit of 100 may serve 6 of them: 4 days short,
    # though on each day taken alone someone could be there
    scenario = tiny_scenario(
        [{"id": "mp-1", "strength": 100, "max_deployment_days": 6}],
        [{"location": "A", "capability": "MP", "personnel": 100}],
    )
    instance = build_instance(scenario)
    assert shortfall_lower_bound(instance) == 0
    assert flow_shortfall_bound(instance).value == 400


def test_the_cap_links_the_capabilities_in_the_lp() -> None:
    # MP and ENG each fully coverable alone (bounds 0), but a cap of 150 on both: 50 a day
    # short over 10 days, which the capabilities alone cannot see
    scenario = tiny_scenario(
        [
            {"id": "mp-1", "strength": 100},
            {"id": "eng-1", "strength": 100, "capability": "ENG"},
        ],
        [
            {"location": "A", "capability": "MP", "personnel": 100},
            {"location": "B", "capability": "ENG", "personnel": 100},
        ],
        caps=[{"component": "active", "max_personnel": 150}],
    )
    instance = build_instance(scenario)
    assert flow_shortfall_bound(instance, {"MP": 0, "ENG": 0}).value == 500


def test_the_reported_bound_names_the_lp_when_it_is_the_highest() -> None:
    scenario = tiny_scenario(
        [{"id": "mp-1", "strength": 100, "max_deployment_days": 6}],
        [{"location": "A", "capability": "MP", "personnel": 100}],
    )
    instance = build_instance(scenario)
    config = SolverConfig(time_limit=5, full_model_limit=0, decompose=False)
    _, solver = solve_cp_sat(instance, config)
    assert solver.bound == 400
    assert solver.bound_source == "an LP of units' days, caps linking"


def test_making_a_highs_solver_writes_nothing_to_standard_output() -> None:
    # `mobilize plan -f json` writes the plan alone to stdout; HiGHS's banner must not join it
    program = "from mobilize.planning.highs import new_highs; new_highs(1.0, 'simplex')"
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout == ""
