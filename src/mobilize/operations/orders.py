"""Orders given by hand, and each unit's record of the orders that moved it.

A plan's actions become orders when the plan is adopted (`operations.plans.adopt_plan`). A
planner may also order a unit by hand, with a reason: **withdraw** it on a day (it leaves that
day, whatever a plan says), or **extend** it until a day (it may stay to that day, past its
maximum deployment or availability). A unit's latest hand order replaces its earlier one.
Hand orders outlast adoptions, and every later plan is made under them: the operation's
snapshot applies them to the units (`apply_hand_orders`), so the planner and the independent
verifier both hold every plan to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.core.errors import InvalidInput, NotFound, Refused
from mobilize.operations.models import Operation, OrderRecord, PlanRecord, UnitRecord
from mobilize.planning.schemas import PlanDocument
from mobilize.scenario.schemas import Scenario, Unit

HAND_KINDS = ("withdraw", "extend")


@dataclass(frozen=True)
class HandOrder:
    unit: str
    kind: str  # withdraw, extend
    on: date  # the day it leaves; the last day it may stay


def give_order(
    session: Session,
    key: bytes,
    operation: Operation,
    unit_code: str,
    kind: str,
    on: date,
    reason: str,
    actor: str = SYSTEM_ACTOR,
) -> OrderRecord:
    """Order `unit_code` by hand; it replaces the unit's earlier hand order."""
    unit = _unit(operation, unit_code)
    _check(operation, unit, kind, on, reason)
    # The unit's row lock queues two planners ordering one unit at once: the second reads
    # the first's order (committed by then) and supersedes it, so one order stays in force.
    session.scalars(select(UnitRecord).where(UnitRecord.id == unit.id).with_for_update()).one()
    replaced = [order for order in hand_orders(session, operation) if order.unit == unit_code]
    for order in replaced:
        order.status = "superseded"
    order = OrderRecord(
        operation_id=operation.id,
        plan_id=None,
        unit=unit_code,
        kind=kind,
        location=unit.location.code if unit.location is not None else "",
        on=on,
        reason=reason.strip(),
        status="in force",
        created_by=actor,
    )
    session.add(order)
    session.flush()
    before = {"replaces": [f"{o.kind} {o.on}" for o in replaced]} if replaced else None
    after = {"kind": kind, "on": on.isoformat(), "reason": order.reason}
    target = f"{operation.name}/{unit_code}"
    append(session, key, Entry(actor, None, "order.give", "unit", target, before, after))
    return order


def _unit(operation: Operation, code: str) -> UnitRecord:
    for unit in operation.units:
        if unit.code == code:
            return unit
    raise NotFound(f"{operation.name} has no unit {code!r}; see `mobilize forcelist export`")


def _check(operation: Operation, unit: UnitRecord, kind: str, on: date, reason: str) -> None:
    if kind not in HAND_KINDS:
        raise InvalidInput(f"an order by hand is one of {', '.join(HAND_KINDS)}, not {kind!r}")
    if not reason.strip():
        raise InvalidInput("an order by hand says why: give a reason")
    if not operation.start <= on <= operation.end:
        raise InvalidInput(
            f"{kind} on {on} is outside {operation.name} ({operation.start} to {operation.end})"
        )
    if kind == "withdraw" and unit.available_from is not None and on <= unit.available_from:
        raise Refused(
            f"{unit.code} is not available before {unit.available_from}: there is nothing to "
            f"withdraw it from on {on}"
        )


def orders_in_force(session: Session, operation: Operation) -> list[OrderRecord]:
    """The orders in force, by plan or by hand, by date."""
    query = select(OrderRecord).where(
        OrderRecord.operation_id == operation.id, OrderRecord.status == "in force"
    )
    return list(session.scalars(query.order_by(OrderRecord.on, OrderRecord.unit)))


def hand_orders(session: Session, operation: Operation) -> list[OrderRecord]:
    """The hand orders in force, by date."""
    return [order for order in orders_in_force(session, operation) if order.plan_id is None]


def unit_orders(session: Session, operation: Operation, code: str) -> list[OrderRecord]:
    """Every order the unit was given, in force or superseded, by plan or by hand: its record."""
    _unit(operation, code)
    query = select(OrderRecord).where(
        OrderRecord.operation_id == operation.id, OrderRecord.unit == code
    )
    return list(session.scalars(query.order_by(OrderRecord.created_at, OrderRecord.id)))


def order_source(session: Session, order: OrderRecord) -> str:
    """`plan 2` or `by hand (army.planner)`."""
    if order.plan_id is None:
        return f"by hand ({order.created_by})"
    plan = session.get(PlanRecord, order.plan_id)
    return f"plan {plan.number}" if plan is not None else "a plan"


def apply_hand_orders(
    scenario: Scenario, orders: list[HandOrder], adopted: PlanDocument | None
) -> Scenario:
    """The scenario with each hand order written into its unit: a withdrawal ends its
    availability the day before; an extension opens it, and its maximum, to the day."""
    by_unit = {order.unit: order for order in orders}
    first_days = _first_days(adopted)
    units = tuple(
        _ordered(scenario, unit, by_unit[unit.id], first_days.get(unit.id))
        if unit.id in by_unit
        else unit
        for unit in scenario.units
    )
    return scenario.model_copy(update={"units": units})


def _ordered(scenario: Scenario, unit: Unit, order: HandOrder, planned_first: date | None) -> Unit:
    if order.kind == "withdraw":
        last = order.on - timedelta(days=1)
        until = min(unit.available_until, last) if unit.available_until else last
        return unit.model_copy(update={"available_until": until})
    opened = max(unit.available_until, order.on) if unit.available_until else None
    began = unit.deployed_since if unit.location is not None else planned_first
    maximum = scenario.max_deployment_days(unit)
    if began is not None:
        maximum = max(maximum, (order.on - began).days + 1)
    return unit.model_copy(update={"available_until": opened, "max_deployment_days": maximum})


def _first_days(adopted: PlanDocument | None) -> dict[str, date]:
    if adopted is None:
        return {}
    return {deployment.unit: deployment.from_ for deployment in adopted.deployments}
