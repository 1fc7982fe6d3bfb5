"""The segment model restricted to decision days finds the same optimum as the daily model."""

from __future__ import annotations

import functools
import itertools
import random
from datetime import date, timedelta
from typing import Any

import pytest

from mobilize.planning.assemble import assemble_plan
from mobilize.planning.instance import PlanningInstance, build_instance
from mobilize.planning.segments import data_change_days, decision_days, segments
from mobilize.planning.solve import SolverConfig, solve_cp_sat
from mobilize.scenario.schemas import Scenario
from tests.planning.conftest import assert_verified, tiny_scenario

START = date(2019, 1, 1)


def random_small_scenario(seed: int) -> Scenario:
    """A few units, short maximum lengths (so the closure of decision days matters), caps."""
    rng = random.Random(seed)
    days = rng.randint(8, 16)

    def day(offset: int) -> str:
        return (START + timedelta(days=offset)).isoformat()

    units: list[dict[str, Any]] = []
    for n in range(rng.randint(3, 6)):
        unit: dict[str, Any] = {
            "id": f"u{n}",
            "capability": rng.choice(["MP", "ENG"]),
            "strength": rng.choice([50, 100, 150]),
            "home": {"name": "h", "lat": 30 + rng.random() * 10, "lon": -100 - rng.random() * 10},
            "max_deployment_days": rng.randint(3, days),
        }
        if rng.random() < 0.5:
            unit["location"] = rng.choice(["A", "B"])
            unit["deployed_since"] = day(-rng.randint(0, 3))
        else:
            unit["available_from"] = day(rng.randint(0, days // 2))
        units.append(unit)
    requirements = []
    for _ in range(rng.randint(1, 4)):
        first = rng.randint(0, days - 1)
        requirements.append(
            {
                "location": rng.choice(["A", "B"]),
                "capability": rng.choice(["MP", "ENG"]),
                "personnel": rng.choice([50, 100, 200]),
                "from": day(first),
                "to": day(rng.randint(first, days - 1)),
            }
        )
    caps = [
        {
            "component": "active",
            "max_personnel": rng.choice([100, 200, 300]),
            "from": day(rng.randint(0, days - 1)),
        }
    ]
    return tiny_scenario(units, requirements, days=days, caps=caps if rng.random() < 0.6 else [])


@functools.cache
def proved_shortfall_optimum(seed: int) -> tuple[PlanningInstance, int]:
    """`random_small_scenario(seed)` as an instance, and its least shortfall as CP-SAT proves
    it: what a valid bound must never exceed (once per seed and test process)."""
    instance = build_instance(random_small_scenario(seed))
    _, solver = solve_cp_sat(instance, SolverConfig(time_limit=20))
    assert solver.stages[0].status == "optimal"
    optimum = solver.stages[0].objective
    assert optimum is not None
    return instance, int(optimum)


@pytest.mark.parametrize("seed", range(40))
def test_decision_days_give_the_daily_optimum(seed: int) -> None:
    scenario = random_small_scenario(seed)
    instance = build_instance(scenario)
    results = {}
    for every_day in (False, True):
        deployments, solver = solve_cp_sat(
            instance, SolverConfig(time_limit=30, every_day=every_day)
        )
        assert solver.status == "optimal", solver
        assert_verified(scenario, assemble_plan(instance, deployments, solver))
        results[every_day] = [round(stage.objective) for stage in solver.stages]
    assert results[False] == results[True]


def test_decision_days_include_every_data_change_and_its_shift_by_a_fresh_maximum() -> None:
    scenario = tiny_scenario(
        [
            {
                "id": "fresh",
                "strength": 10,
                "available_from": "2019-01-03",
                "max_deployment_days": 4,
            },
            {
                "id": "old",
                "strength": 10,
                "location": "A",
                "deployed_since": "2018-12-30",
                "max_deployment_days": 7,
            },
        ],
        [
            {
                "location": "A",
                "capability": "MP",
                "personnel": 10,
                "from": "2019-01-02",
                "to": "2019-01-06",
            }
        ],
        days=12,
    )
    instance = build_instance(scenario)
    changes = data_change_days(instance)
    assert {
        0,
        1,
        6,
        2,
        5,
        12,
    } <= changes  # start, need from/after, availability, old's maximum, end
    days = set(decision_days(instance))
    assert changes <= days
    assert all(day + 4 in days or day + 4 > 12 for day in changes)
    assert all(day - 4 in days or day - 4 < 0 for day in changes)


def test_segments_cover_the_horizon_without_overlap() -> None:
    instance = build_instance(random_small_scenario(3))
    for every_day in (False, True):
        parts = segments(instance, every_day=every_day)
        assert parts[0].first == 0
        assert parts[-1].last == instance.horizon - 1
        assert all(a.last + 1 == b.first for a, b in itertools.pairwise(parts))
