"""Plans that repeat: the same scenario, seed and budget give the same plan, busy or not."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.scenario.schemas import Scenario
from tests.planning.conftest import assert_verified


@pytest.fixture
def busy_core() -> Iterator[None]:
    """Another process spinning on a core while the plan is made."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def _plan(scenario: Scenario) -> PlanDocument:
    document = make_plan(scenario, PlanRequest(config=SolverConfig(time_limit=30)))
    assert_verified(scenario, document)
    return document


def _orders(document: PlanDocument) -> str:
    """The plan's deployments and actions as JSON text, compared byte for byte."""
    return PlanDocument(
        scenario=document.scenario, deployments=document.deployments, actions=document.actions
    ).to_json()


@pytest.fixture(scope="module")
def quiet_plan(reference_scenario: Scenario) -> PlanDocument:
    return _plan(reference_scenario)


def test_the_reference_planned_again_on_a_busy_machine_gives_the_same_orders(
    quiet_plan: PlanDocument, reference_scenario: Scenario, busy_core: None
) -> None:
    busy_plan = _plan(reference_scenario)
    assert _orders(busy_plan) == _orders(quiet_plan)


def test_the_default_plan_is_repeatable_proved_and_records_its_budget(
    quiet_plan: PlanDocument,
) -> None:
    solver = quiet_plan.solver
    assert solver is not None
    assert [stage.status for stage in solver.stages] == ["optimal"] * 5
    assert solver.budget is not None
    assert solver.budget.mode == "repeatable"
    assert solver.budget.unit == "deterministic"
    assert 0 < solver.budget.spent <= solver.budget.limit
    assert not solver.budget.stopped_by_clock


def test_a_wall_clock_plan_says_so(reference_scenario: Scenario) -> None:
    config = SolverConfig(time_limit=30, repeatable=False)
    document = make_plan(reference_scenario, PlanRequest(config=config))
    assert_verified(reference_scenario, document)
    assert document.solver is not None
    assert document.solver.budget is not None
    assert document.solver.budget.mode == "wall-clock"
    assert document.solver.budget.unit == "seconds"
