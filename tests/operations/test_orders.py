"""Orders by hand: a withdrawal or an extension, with a reason, that every later plan obeys
(and the independent verifier holds it to), recorded in the unit's history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from mobilize.audit.models import AuditRecord
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput, NotFound, Refused
from mobilize.operations.orders import give_order, order_source, unit_orders
from mobilize.operations.plans import adopt_plan, plan_document, snapshot, store_plan
from mobilize.operations.service import get_operation
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.planning.verify import verify_plan
from mobilize.scenario.schemas import Scenario

KEY = b"k"
CONFIG = SolverConfig(time_limit=10, workers=8, seed=0)


def _order(engine: Engine, unit: str, kind: str, on: date, reason: str = "r") -> None:
    with session_scope(engine) as session:
        give_order(session, KEY, get_operation(session), unit, kind, on, reason, "army.planner")


def _plan(engine: Engine) -> tuple[Scenario, PlanDocument]:
    with session_scope(engine) as session:
        scenario = snapshot(session, None)
    document = make_plan(scenario, PlanRequest(config=CONFIG))
    assert verify_plan(scenario, document).violations == []
    return scenario, document


def _stays(document: PlanDocument, unit: str) -> list[tuple[str, date, date]]:
    return [(d.location, d.from_, d.to) for d in document.deployments if d.unit == unit]


def test_a_unit_withdrawn_by_hand_leaves_that_day_in_every_plan(stored: Engine) -> None:
    _order(stored, "log-tca", "withdraw", date(2018, 12, 20), "needed for hurricane relief")
    scenario, document = _plan(stored)
    unit = next(unit for unit in scenario.units if unit.id == "log-tca")
    assert unit.available_until == date(2018, 12, 19)
    assert all(last <= date(2018, 12, 19) for _, _, last in _stays(document, "log-tca"))
    with session_scope(stored) as session:
        kept = plan_document(store_plan(session, KEY, scenario, document))
    withdrawal = next(a for a in kept.actions or [] if a.unit == "log-tca")
    assert (withdrawal.action, withdrawal.date) == ("withdraw", date(2018, 12, 20))
    assert withdrawal.reason.startswith(
        "ordered by hand (army.planner): needed for hurricane relief; "
    )


def test_an_extension_lets_a_unit_stay_past_its_maximum(stored: Engine) -> None:
    before, _ = _plan(stored)
    _order(stored, "mp-tca", "extend", date(2019, 1, 31), "relief delayed")
    after, document = _plan(stored)
    unit = next(unit for unit in after.units if unit.id == "mp-tca")
    assert after.max_deployment_days(unit) >= (date(2019, 1, 31) - date(2018, 10, 30)).days + 1
    assert (
        before.max_deployment_days(next(unit for unit in before.units if unit.id == "mp-tca")) == 60
    )
    assert verify_plan(after, document).violations == []


def test_the_latest_hand_order_replaces_the_earlier_and_all_are_recorded(stored: Engine) -> None:
    _order(stored, "mp-tca", "extend", date(2019, 1, 31), "relief delayed")
    _order(stored, "mp-tca", "withdraw", date(2018, 12, 24), "relief arrived early")
    scenario, document = _plan(stored)
    with session_scope(stored) as session:
        operation = get_operation(session)
        number = store_plan(session, KEY, scenario, document).number
        adopt_plan(session, KEY, operation, number)
        history = [
            (order.kind, order.on, order.status, order_source(session, order))
            for order in unit_orders(session, operation, "mp-tca")
        ]
        given = list(session.scalars(select(AuditRecord).where(AuditRecord.action == "order.give")))
    assert history[:2] == [
        ("extend", date(2019, 1, 31), "superseded", "by hand (army.planner)"),
        ("withdraw", date(2018, 12, 24), "in force", "by hand (army.planner)"),
    ]
    assert [source for *_, source in history[2:]] == ["plan 1"] * (len(history) - 2)
    assert [record.object_id for record in given] == ["Border support 2018/mp-tca"] * 2
    assert all(last <= date(2018, 12, 23) for _, _, last in _stays(document, "mp-tca"))


@pytest.mark.parametrize(
    ("unit", "kind", "on", "reason", "error", "message"),
    [
        ("nope", "withdraw", date(2018, 12, 20), "r", NotFound, "no unit 'nope'"),
        ("mp-tca", "deploy", date(2018, 12, 20), "r", InvalidInput, "withdraw, extend"),
        ("mp-tca", "withdraw", date(2018, 12, 20), " ", InvalidInput, "give a reason"),
        ("mp-tca", "withdraw", date(2019, 3, 1), "r", InvalidInput, "outside"),
        ("mp-res-1", "withdraw", date(2018, 11, 27), "r", Refused, "not available before"),
    ],
)
def test_bad_orders_are_refused_with_what_to_fix(
    stored: Engine,
    unit: str,
    kind: str,
    on: date,
    reason: str,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        _order(stored, unit, kind, on, reason)
