"""Plans as records: stored, adopted as orders, re-planned with persistence, reported on."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from mobilize.core.db import session_scope
from mobilize.core.errors import Refused
from mobilize.operations.adoption import adoption_preview
from mobilize.operations.orders import orders_in_force
from mobilize.operations.plans import (
    adopt_plan,
    adopted_document,
    adopted_plan,
    compare_plans,
    plans_of,
    snapshot,
    store_plan,
)
from mobilize.operations.service import get_operation
from mobilize.operations.tasks import mark_done
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.planning.verify import verify_plan
from mobilize.reports.strength import strength_on
from mobilize.scenario.schemas import Scenario

KEY = b"k"
CONFIG = SolverConfig(time_limit=10, workers=8, seed=0)


def _plan_and_store(engine: Engine) -> tuple[Scenario, PlanDocument, int]:
    """What `mobilize plan --operation` does: snapshot, solve outside the transaction, store."""
    with session_scope(engine) as session:
        scenario = snapshot(session, None)
        previous = adopted_document(session, get_operation(session))
    document = make_plan(scenario, PlanRequest(config=CONFIG, adopted=previous))
    checked = verify_plan(scenario, document)
    assert checked.violations == [], "every plan passes the independent verifier"
    assert checked.metrics == document.metrics
    with session_scope(engine) as session:
        number = store_plan(session, KEY, scenario, document).number
    return scenario, document, number


def _adopt(engine: Engine, number: int) -> int:
    with session_scope(engine) as session:
        return len(adopt_plan(session, KEY, get_operation(session), number))


def test_adopting_turns_actions_into_orders_and_supersedes(stored: Engine) -> None:
    _, first, one = _plan_and_store(stored)
    assert _adopt(stored, one) == len(first.actions or [])
    _, _, two = _plan_and_store(stored)
    _adopt(stored, two)
    with session_scope(stored) as session:
        operation = get_operation(session)
        in_force = orders_in_force(session, operation)
        assert {order.plan_id for order in in_force} == {adopted_plan(session, operation).id}  # type: ignore[union-attr]
        with pytest.raises(Refused, match="adopted"):
            adopt_plan(session, KEY, operation, two)


def test_an_earlier_plan_is_adopted_again_after_a_preview_of_what_changes(
    stored: Engine,
) -> None:
    _, first, one = _plan_and_store(stored)
    _adopt(stored, one)
    with session_scope(stored) as session:
        mark_done(session, KEY, get_operation(session), "wire-RGV", date(2018, 12, 10))
    _, _, two = _plan_and_store(stored)
    _adopt(stored, two)
    with session_scope(stored) as session:
        operation = get_operation(session)
        preview = adoption_preview(session, operation, one)
        assert (preview.status, preview.adopted) == ("superseded", two)
        assert {order.unit for order in preview.orders_beginning} == {"eng-rgv"}
        assert preview.orders_kept + len(preview.orders_ending) == len(
            orders_in_force(session, operation)
        )
        assert preview.shortfall_words.endswith(f"in the adopted plan (plan {two})")
    assert _adopt(stored, one) == len(first.actions or [])
    with session_scope(stored) as session:
        operation = get_operation(session)
        statuses = {plan.number: plan.status for plan in plans_of(session, operation)}
        assert statuses == {one: "adopted", two: "superseded"}
        assert {order.plan_id for order in orders_in_force(session, operation)} == {
            adopted_plan(session, operation).id  # type: ignore[union-attr]
        }
        with pytest.raises(Refused, match="already"):
            adoption_preview(session, operation, one)


def test_replan_after_a_task_ends_early_changes_only_its_units(stored: Engine) -> None:
    _, first, one = _plan_and_store(stored)
    _adopt(stored, one)
    with session_scope(stored) as session:
        mark_done(session, KEY, get_operation(session), "wire-RGV", date(2018, 12, 10))
    _, second, _ = _plan_and_store(stored)
    difference = compare_plans(first, second)
    assert list(difference.units_changed) == ["eng-rgv"]
    _, after = difference.units_changed["eng-rgv"]
    assert after == ["RGV 2018-11-26 to 2018-12-10"]


def test_engineers_done_on_10_december_are_gone_by_the_20th(stored: Engine) -> None:
    _, _, one = _plan_and_store(stored)
    _adopt(stored, one)
    with session_scope(stored) as session:
        operation = get_operation(session)
        for task in [task.code for task in operation.tasks if task.capability.code == "ENG"]:
            mark_done(session, KEY, operation, task, date(2018, 12, 10))
    scenario, second, two = _plan_and_store(stored)
    _adopt(stored, two)
    report = strength_on(scenario, second, date(2018, 12, 20))
    assert not [row for row in report.rows if row.capability == "ENG"]
    active = sum(row.deployed for row in report.rows if row.component == "active")
    assert 0 < active <= 4000
    assert all(cap.deployed <= cap.limit for cap in report.caps)
