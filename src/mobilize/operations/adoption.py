"""What adopting a plan would change, said before it is done: the orders that end and begin,
the holiday passes that change, and the shortfall against the plan adopted now.

Read by the confirmation page and `GET /api/operations/{name}/plans/{number}/adoption`;
the adoption itself is `plans.adopt_plan` (a proposed plan, or a superseded one taken back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.core.errors import Refused
from mobilize.operations.models import Operation, OrderRecord, PlanRecord
from mobilize.operations.plans import ADOPTABLE, adopted_plan, get_plan, plan_document
from mobilize.planning.schemas import PlanDocument


@dataclass(frozen=True, order=True)
class OrderLine:
    """An order as a unit receives it."""

    on: date
    unit: str
    kind: str  # deploy, withdraw
    location: str

    def __str__(self) -> str:
        return f"{self.on:%d %b %Y}: {self.kind} {self.unit} at {self.location}"


@dataclass(frozen=True)
class PassChange:
    unit: str
    before: int  # person-days away on pass under the adopted plan
    after: int  # under this plan


@dataclass
class AdoptionPreview:
    plan: int
    status: str  # proposed, or superseded (taken back)
    made_by: str
    adopted: int | None  # the plan in force now
    shortfall: int  # this plan's shortfall person-days
    adopted_shortfall: int | None
    orders_ending: list[OrderLine] = field(default_factory=list)  # in force, not in this plan
    orders_beginning: list[OrderLine] = field(default_factory=list)  # new with this plan
    orders_kept: int = 0
    passes: list[PassChange] = field(default_factory=list)  # units whose passes change
    pass_days_before: int = 0
    pass_days_after: int = 0
    pass_units_before: int = 0
    pass_units_after: int = 0

    @property
    def shortfall_words(self) -> str:
        """ "3,070 short against 0 in the adopted plan (plan 1)"."""
        if self.adopted is None:
            return f"{self.shortfall:,} shortfall person-days; no plan is adopted yet"
        return (
            f"{self.shortfall:,} shortfall person-days against {self.adopted_shortfall or 0:,} "
            f"in the adopted plan (plan {self.adopted})"
        )

    @property
    def shortfall_change(self) -> int:
        return self.shortfall - (self.adopted_shortfall or 0)


def adoption_preview(session: Session, operation: Operation, number: int) -> AdoptionPreview:
    """What adopting plan `number` would change; Refused for a plan adopted already."""
    plan = get_plan(session, operation, number)
    if plan.status not in ADOPTABLE:
        raise Refused(f"plan {number} is {plan.status} already; nothing would change")
    adopted = adopted_plan(session, operation)
    preview = AdoptionPreview(
        plan=number,
        status=plan.status,
        made_by=plan.created_by,
        adopted=adopted.number if adopted else None,
        shortfall=plan.shortfall_person_days,
        adopted_shortfall=adopted.shortfall_person_days if adopted else None,
    )
    document = plan_document(plan)
    _compare_orders(preview, _orders_in_force(session, adopted), _orders_of(document))
    before = _pass_days(plan_document(adopted)) if adopted else {}
    _compare_passes(preview, before, _pass_days(document))
    return preview


def _orders_in_force(session: Session, adopted: PlanRecord | None) -> set[OrderLine]:
    if adopted is None:
        return set()
    query = select(OrderRecord).where(
        OrderRecord.plan_id == adopted.id, OrderRecord.status == "in force"
    )
    return {OrderLine(o.on, o.unit, o.kind, o.location) for o in session.scalars(query)}


def _orders_of(document: PlanDocument) -> set[OrderLine]:
    return {OrderLine(a.date, a.unit, a.action, a.location) for a in document.actions or []}


def _compare_orders(preview: AdoptionPreview, now: set[OrderLine], then: set[OrderLine]) -> None:
    preview.orders_ending = sorted(now - then)
    preview.orders_beginning = sorted(then - now)
    preview.orders_kept = len(now & then)


def _pass_days(document: PlanDocument) -> dict[str, int]:
    """Person-days away on pass, per unit."""
    days: dict[str, int] = {}
    for item in document.passes:
        days[item.unit] = days.get(item.unit, 0) + item.personnel * (
            (item.to - item.from_).days + 1
        )
    return days


def _compare_passes(
    preview: AdoptionPreview, before: dict[str, int], after: dict[str, int]
) -> None:
    preview.pass_days_before, preview.pass_days_after = sum(before.values()), sum(after.values())
    preview.pass_units_before, preview.pass_units_after = len(before), len(after)
    preview.passes = [
        PassChange(unit, before.get(unit, 0), after.get(unit, 0))
        for unit in sorted(set(before) | set(after))
        if before.get(unit, 0) != after.get(unit, 0)
    ]
