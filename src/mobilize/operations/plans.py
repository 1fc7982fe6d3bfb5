"""Plans as records: stored with their inputs, compared, and adopted as dated orders.

Solving happens outside any transaction (it may take a minute): the edge snapshots the
operation (`snapshot`), solves, then stores the plan (`store_plan`) in a new transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, object_session

from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.core.errors import NotFound, Refused
from mobilize.operations.filled import filled_units, with_fill_reasons, with_fills
from mobilize.operations.models import Operation, OrderRecord, PlanRecord
from mobilize.operations.orders import HandOrder, apply_hand_orders, hand_orders
from mobilize.operations.requirements import requested
from mobilize.operations.service import export_scenario, get_operation
from mobilize.planning.schemas import PlanDocument
from mobilize.scenario.schemas import Scenario
from mobilize.scenario.writer import scenario_document

PARSED = "mobilize.plan_documents"  # Session.info key: the plans parsed in this transaction


def snapshot(session: Session, name: str | None) -> Scenario:
    """The operation as it stands, its inputs to a plan: what was imported (tasks ending the
    day they were done), the requirements its approved request lines make, and its units
    under the orders given by hand and available as the lines they fill allow."""
    stored = export_scenario(session, name)
    operation = get_operation(session, stored.name)
    requirements = [*stored.requirements, *requested(session, operation)]
    # Built as a new scenario, so that its field rules run on the requirements added; the
    # lines' locations and capabilities were checked against the operation when filed.
    stated = Scenario.model_validate(
        stored.model_dump(by_alias=True) | {"requirements": requirements}
    )
    orders = [HandOrder(o.unit, o.kind, o.on) for o in hand_orders(session, operation)]
    ordered = apply_hand_orders(stated, orders, adopted_document(session, operation))
    return with_fills(ordered, filled_units(session, operation))


def store_plan(
    session: Session,
    key: bytes,
    scenario: Scenario,
    document: PlanDocument,
    actor: str = SYSTEM_ACTOR,
) -> PlanRecord:
    operation = get_operation(session, scenario.name)
    document = _with_hand_reasons(document, hand_orders(session, operation))
    document = with_fill_reasons(document, filled_units(session, operation))
    adopted = adopted_plan(session, operation)
    number = (
        session.scalar(
            select(func.max(PlanRecord.number)).where(PlanRecord.operation_id == operation.id)
        )
        or 0
    ) + 1
    metrics = document.metrics
    record = PlanRecord(
        operation_id=operation.id,
        number=number,
        status="proposed",
        based_on_id=adopted.id if adopted else None,
        scenario=scenario_document(scenario),
        document=document.model_dump(mode="json", by_alias=True, exclude_none=True),
        solver_status=document.solver.status if document.solver else "given",
        shortfall_person_days=metrics.shortfall_person_days if metrics else 0,
        created_by=actor,
    )
    session.add(record)
    session.flush()
    after = {"status": "proposed", "shortfall_person_days": record.shortfall_person_days}
    append(
        session,
        key,
        Entry(actor, None, "plan.store", "plan", _name(operation, number), None, after),
    )
    from mobilize.inbox.notify import note_plan  # inbox reads these rules: one-way imports

    note_plan(session, operation, record)
    return record


def _with_hand_reasons(document: PlanDocument, orders: list[OrderRecord]) -> PlanDocument:
    """A withdrawal a hand order forced says so, and why, before the planner's reason."""
    withdrawals = {(o.unit, o.on): o for o in orders if o.kind == "withdraw"}
    actions = []
    for action in document.actions or []:
        order = withdrawals.get((action.unit, action.date))
        if action.action == "withdraw" and order is not None:
            why = f"ordered by hand ({order.created_by}): {order.reason}; {action.reason}"
            action = action.model_copy(update={"reason": why})
        actions.append(action)
    return document.model_copy(update={"actions": actions}) if document.actions else document


def plan_document(record: PlanRecord) -> PlanDocument:
    """The stored plan, parsed once per transaction: a plan is written once, and a page reads
    the adopted one in several places (its figures, the requests' fulfilment, the menu)."""
    session = object_session(record)
    if session is None or record.id is None:  # not stored yet: nothing to key it by
        return PlanDocument.model_validate(record.document)
    parsed: dict[int, PlanDocument] = session.info.setdefault(PARSED, {})
    if record.id not in parsed:
        parsed[record.id] = PlanDocument.model_validate(record.document)
    return parsed[record.id]


# Lists of plans and the adopted plan's number are asked on every page (the menu's queue) and
# read neither the inputs nor the plan, both large: loaded when read, in the same transaction.
WITHOUT_CONTENT = (defer(PlanRecord.scenario), defer(PlanRecord.document))


def plans_of(session: Session, operation: Operation) -> list[PlanRecord]:
    query = select(PlanRecord).where(PlanRecord.operation_id == operation.id)
    return list(session.scalars(query.options(*WITHOUT_CONTENT).order_by(PlanRecord.number)))


def get_plan(session: Session, operation: Operation, number: int) -> PlanRecord:
    query = select(PlanRecord).where(
        PlanRecord.operation_id == operation.id, PlanRecord.number == number
    )
    found = session.scalars(query).one_or_none()
    if found is None:
        numbers = ", ".join(str(plan.number) for plan in plans_of(session, operation)) or "none"
        raise NotFound(f"{operation.name} has no plan {number} (plans: {numbers})")
    return found


def adopted_plan(session: Session, operation: Operation) -> PlanRecord | None:
    query = select(PlanRecord).where(
        PlanRecord.operation_id == operation.id, PlanRecord.status == "adopted"
    )
    return session.scalars(query.options(*WITHOUT_CONTENT)).one_or_none()


def adopted_document(session: Session, operation: Operation) -> PlanDocument | None:
    """The adopted plan as the contract says, which a re-plan keeps to; None before any."""
    adopted = adopted_plan(session, operation)
    return plan_document(adopted) if adopted else None


def deployments_source(session: Session, operation: Operation) -> tuple[PlanDocument | None, str]:
    """Where the operation's figures come from, and its name in a report: the adopted plan,
    else the force list (the units deployed on the start day, to the end)."""
    adopted = adopted_plan(session, operation)
    if adopted is None:
        return None, "force list"
    return plan_document(adopted), f"plan {adopted.number} (adopted)"


# A proposed plan is adopted; a superseded one may be taken back (re-adopted): its actions
# become orders again, and the plan adopted meanwhile is superseded in turn.
ADOPTABLE = ("proposed", "superseded")


def adopt_plan(
    session: Session, key: bytes, operation: Operation, number: int, actor: str = SYSTEM_ACTOR
) -> list[OrderRecord]:
    """The plan's actions become dated orders on the units; the plan adopted before it, and
    its orders, are superseded. A superseded plan may be adopted again."""
    plan = get_plan(session, operation, number)
    if plan.status not in ADOPTABLE:
        raise Refused(
            f"plan {number} is {plan.status}; only a proposed or superseded plan is adopted"
        )
    previous = adopted_plan(session, operation)
    if previous is not None:
        previous.status = "superseded"
        for order in _orders(session, previous):
            order.status = "superseded"
    plan.status, plan.adopted_by, plan.adopted_at = "adopted", actor, datetime.now(UTC)
    orders = [
        OrderRecord(
            operation_id=operation.id,
            plan_id=plan.id,
            unit=action.unit,
            kind=action.action,
            location=action.location,
            on=action.date,
            reason=action.reason,
            status="in force",
            created_by=actor,
        )
        for action in plan_document(plan).actions or []
    ]
    session.add_all(orders)
    session.flush()
    before = {"adopted": previous.number if previous else None}
    after = {"adopted": number, "orders": len(orders)}
    append(
        session,
        key,
        Entry(actor, None, "plan.adopt", "plan", _name(operation, number), before, after),
    )
    return orders


def _orders(session: Session, plan: PlanRecord) -> list[OrderRecord]:
    return list(session.scalars(select(OrderRecord).where(OrderRecord.plan_id == plan.id)))


def _name(operation: Operation, number: int) -> str:
    return f"{operation.name}/plan {number}"


@dataclass
class PlanDifference:
    """What changes from plan `before` to plan `after`: units, dates, metrics."""

    units: int  # in either plan
    units_changed: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    metrics: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def units_unchanged(self) -> int:
        return self.units - len(self.units_changed)


def compare_plans(before: PlanDocument, after: PlanDocument) -> PlanDifference:
    """Per unit, its deployments in each plan where they differ; each metric in both."""
    stays_before, stays_after = _stays(before), _stays(after)
    units = set(stays_before) | set(stays_after)
    difference = PlanDifference(units=len(units))
    for unit in sorted(units):
        old, new = stays_before.get(unit, []), stays_after.get(unit, [])
        if old != new:
            difference.units_changed[unit] = (old, new)
    if before.metrics and after.metrics:
        old_metrics, new_metrics = before.metrics.model_dump(), after.metrics.model_dump()
        difference.metrics = {name: (old_metrics[name], new_metrics[name]) for name in old_metrics}
    return difference


@dataclass(frozen=True)
class MetricChange:
    """One metric in two plans: the difference (second less first) and whether the second is
    better. Every metric is one the planner minimises (its levels, in `planning.model`), so
    fewer is better."""

    name: str
    first: int
    second: int

    @property
    def difference(self) -> int:
        return self.second - self.first

    @property
    def verdict(self) -> str:
        if self.second == self.first:
            return "same"
        return "better" if self.second < self.first else "worse"


def metric_changes(difference: PlanDifference) -> list[MetricChange]:
    """Each metric of a comparison, with its difference and verdict."""
    return [MetricChange(name, old, new) for name, (old, new) in difference.metrics.items()]


def _stays(document: PlanDocument) -> dict[str, list[str]]:
    stays: dict[str, list[str]] = {}
    for deployment in sorted(document.deployments, key=lambda d: (d.unit, d.from_)):
        stays.setdefault(deployment.unit, []).append(
            f"{deployment.location} {deployment.from_} to {deployment.to}"
        )
    return stays
