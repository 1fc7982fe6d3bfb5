"""The pass planner: hand-worked optima, the reference Marines, random checks, the verifier."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ortools.sat.python import cp_model

from mobilize.passes import solve as solve_module
from mobilize.passes.evaluate import overlap_block_days, pass_score
from mobilize.passes.generator import random_pass_instance
from mobilize.passes.instance import PassInstance, PassUnit, split_into_blocks
from mobilize.passes.reasons import withheld_reasons
from mobilize.passes.service import NoPassWindow, PassRequest, plan_passes
from mobilize.passes.solve import away_exceeds_slack, greedy_passes, solve_passes
from mobilize.planning.cpsat import configured_solver
from mobilize.planning.schemas import PassDocument, PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.planning.verify import verify_plan
from mobilize.scenario.schemas import Scenario
from tests.planning.conftest import FAR, NEAR, assert_verified, tiny_scenario


def _scenario(
    units: list[dict[str, Any]],
    requirement: int,
    window: tuple[date, date],
    blocks: int = 2,
    start: date = date(2018, 12, 20),
) -> Scenario:
    return tiny_scenario(
        units,
        [{"location": "A", "capability": "MP", "personnel": requirement}],
        days=14,
        start=start,
        passes={
            "from": window[0],
            "to": window[1],
            "length_days": 4,
            "blocks": blocks,
            "max_home_distance_km": 300,
        },
    )


def _planned(scenario: Scenario, solver: str = "cp-sat") -> PlanDocument:
    plan = make_plan(scenario, PlanRequest(config=SolverConfig(time_limit=10)))
    planned = plan_passes(scenario, plan, PassRequest(solver=solver, time_limit=5))
    assert_verified(scenario, planned)
    return planned


def _windows(plan: PlanDocument) -> list[tuple[str, date, date, int]]:
    return sorted((p.unit, p.from_, p.to, p.personnel) for p in plan.passes)


def _deployed(unit_id: str, strength: int, home: dict[str, Any] = NEAR) -> dict[str, Any]:
    return {
        "id": unit_id,
        "strength": strength,
        "home": home,
        "location": "A",
        "deployed_since": "2018-12-01",
    }


def test_the_optimum_staggers_blocks_to_keep_coverage() -> None:
    # 200 MPs where 100 are required: 100 may be away at a time, so the two blocks of 100 go
    # in turn. In the window 22..29 December only 22-25 and 26-29 are two passes that do not
    # overlap; worked by hand that is the only optimum (100 x (4 + 2 holidays) + 100 x 4).
    scenario = _scenario([_deployed("mp-1", 200)], 100, (date(2018, 12, 22), date(2018, 12, 29)))
    plan = _planned(scenario)
    assert _windows(plan) == [
        ("mp-1", date(2018, 12, 22), date(2018, 12, 25), 100),
        ("mp-1", date(2018, 12, 26), date(2018, 12, 29), 100),
    ]
    assert plan.pass_planning is not None
    assert plan.pass_planning.weighted_person_days_home == 1_000
    assert plan.pass_planning.solver.status == "optimal"
    assert plan.pass_planning.withheld == []


def _instance(units: list[PassUnit], room: int, window: int = 8) -> PassInstance:
    """One post (A, MP) where `room` personnel may be away each day; no holidays."""
    present = sum(unit.strength for unit in units)
    return PassInstance(
        first_day=date(2019, 3, 4),
        window=window,
        length=4,
        weights=(1,) * window,
        units=tuple(units),
        covered={("A", "MP"): (present,) * window},
        required={("A", "MP"): (present - room,) * window},
    )


def _unit(unit_id: str, strength: int, blocks: int, km: float = 50.0, window: int = 8) -> PassUnit:
    return PassUnit(
        id=unit_id,
        capability="MP",
        location="A",
        strength=strength,
        distance_km=km,
        blocks=split_into_blocks(strength, blocks),
        starts=tuple(range(window - 4 + 1)),
    )


def test_blocks_go_at_different_times_when_it_costs_nothing() -> None:
    # Everyone may go at once: any two passes give 800 person-days; the second level then
    # keeps the two blocks apart (0-3 and 4-7 is the only way in 8 days).
    instance = _instance([_unit("mp-1", 200, 2)], room=200)
    passes, solver = solve_passes(instance, time_limit=5, workers=2)
    assert sorted(p.start for p in passes) == [0, 4]
    assert overlap_block_days(instance, passes) == 0
    assert solver.status == "optimal"


def test_nearer_homes_go_first_and_the_other_is_told_why() -> None:
    # Room for one block of 100 at a time, and a 4-day window: one pass in all.
    instance = _instance(
        [_unit("mp-far", 100, 1, 250.0, window=4), _unit("mp-near", 100, 1, 20.0, window=4)],
        room=100,
        window=4,
    )
    passes, _ = solve_passes(instance, time_limit=5, workers=2)
    assert [p.unit for p in passes] == ["mp-near"]
    reasons = withheld_reasons(instance, passes)
    assert list(reasons) == ["mp-far"]
    assert (
        "MP coverage at A on 04 March would fall to 0 < 100 (100 already away)"
        in (reasons["mp-far"])
    )


def test_far_units_get_no_pass() -> None:
    scenario = _scenario(
        [_deployed("mp-1", 200, FAR)], 50, (date(2018, 12, 22), date(2018, 12, 29))
    )
    plan = _planned(scenario)
    assert plan.passes == []
    assert plan.pass_planning is not None
    assert plan.pass_planning.eligible_units == 0


def test_a_scenario_without_a_pass_window_is_refused() -> None:
    scenario = tiny_scenario([_deployed("mp-1", 200)])
    plan = make_plan(scenario, PlanRequest(solver="greedy"))
    with pytest.raises(NoPassWindow, match="no passes section"):
        plan_passes(scenario, plan)


@pytest.mark.parametrize(("strength", "blocks"), [(370, 2), (371, 2), (100, 3), (2, 3), (7, 7)])
def test_blocks_are_as_equal_as_whole_people_allow(strength: int, blocks: int) -> None:
    sizes = split_into_blocks(strength, blocks)
    assert sum(sizes) == strength
    assert len(sizes) == min(strength, blocks)
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("seed", range(6))
def test_random_problems_keep_coverage_and_beat_first_fit(seed: int) -> None:
    instance = random_pass_instance(60, blocks=3, window=10, length=3, locations=3, seed=seed)
    greedy = greedy_passes(instance)
    passes, solver = solve_passes(instance, time_limit=4, workers=2)
    assert not away_exceeds_slack(instance, greedy)
    assert not away_exceeds_slack(instance, passes)
    assert pass_score(instance, passes) <= pass_score(instance, greedy)
    assert solver.bound is not None
    assert solver.objective is not None
    assert solver.objective <= solver.bound  # days at home: the bound is a maximum
    assert -pass_score(instance, passes)[0] >= solver.objective
    # every level's figure describes the passes returned
    home, together, distance = pass_score(instance, passes)
    assert [stage.objective for stage in solver.stages] == [-home, together, distance]


@pytest.fixture(scope="module")
def reference_plan(reference_scenario: Scenario) -> PlanDocument:
    plan = make_plan(reference_scenario, PlanRequest(config=SolverConfig(time_limit=30)))
    planned = plan_passes(reference_scenario, plan)
    assert_verified(reference_scenario, planned)
    return planned


class TestReference:
    def test_every_camp_pendleton_block_deployed_over_christmas_gets_a_pass(
        self, reference_plan: PlanDocument, reference_scenario: Scenario
    ) -> None:
        plan = reference_plan
        marines = {
            u.id
            for u in reference_scenario.units
            if "Pendleton" in u.home.name and any(d.unit == u.id for d in plan.deployments)
        }
        deployed_over_window = {
            d.unit
            for d in plan.deployments
            if d.unit in marines and d.from_ <= date(2018, 12, 20) and d.to >= date(2019, 1, 2)
        }
        assert deployed_over_window  # the Marine MPs and logisticians stay over Christmas
        passes = {unit: [p for p in plan.passes if p.unit == unit] for unit in marines}
        for unit in deployed_over_window:
            assert len(passes[unit]) == 2, unit  # both blocks
        assert plan.pass_planning is not None
        assert plan.pass_planning.solver.status == "optimal"
        withheld = {w.unit for w in plan.pass_planning.withheld}
        assert not withheld & marines

    def test_every_withheld_unit_names_the_binding_post(self, reference_plan: PlanDocument) -> None:
        plan = reference_plan
        assert plan.pass_planning is not None
        for withheld in plan.pass_planning.withheld:
            assert "coverage at" in withheld.reason
            assert " < " in withheld.reason


def test_verify_refuses_passes_that_break_the_rules(reference_scenario: Scenario) -> None:
    plan = make_plan(reference_scenario, PlanRequest(solver="greedy"))
    planned = plan_passes(reference_scenario, plan, PassRequest(solver="greedy"))
    assert verify_plan(reference_scenario, planned).ok
    first = planned.passes[0]
    bad = [
        first.model_copy(update={"from_": date(2018, 12, 10), "to": date(2018, 12, 13)}),
        first.model_copy(update={"personnel": first.personnel + 7}),
        first.model_copy(update={"to": date(2018, 12, 30)}),
        PassDocument(unit="nobody", from_=date(2018, 12, 20), to=date(2018, 12, 23), personnel=5),
        *planned.passes,  # every block a second time: too many passes, coverage broken
    ]
    violations = verify_plan(
        reference_scenario, planned.model_copy(update={"passes": bad})
    ).violations
    text = "\n".join(violations)
    assert "outside the window" in text
    assert "do not fit its 2 blocks" in text
    assert "days away; a pass is 4" in text
    assert "not a unit deployed in this plan" in text
    assert "at least" in text  # coverage


def test_a_time_limit_too_short_to_search_still_gives_honest_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No CP-SAT search is started with less time than it takes to load a model: the
    passes found so far stand, each later level reported with its value and the trivial
    bound."""
    limits: list[float] = []

    def recording(time_limit: float, *args: Any, **kwargs: Any) -> cp_model.CpSolver:
        limits.append(time_limit)
        return configured_solver(time_limit, *args, **kwargs)

    monkeypatch.setattr(solve_module, "configured_solver", recording)
    instance = random_pass_instance(60, blocks=3, window=10, length=3, locations=3, seed=1)
    passes, solver = solve_passes(instance, time_limit=0.4, workers=2)
    assert all(limit >= solve_module.SHORTEST_SOLVE for limit in limits)
    assert not away_exceeds_slack(instance, passes)
    assert pass_score(instance, passes) <= pass_score(instance, greedy_passes(instance))
    home, together, distance = solver.stages
    assert home.objective == -pass_score(instance, passes)[0]
    assert together.objective == overlap_block_days(instance, passes)
    assert distance.objective == pass_score(instance, passes)[2]
    assert together.bound <= together.objective
    assert distance.bound <= distance.objective
