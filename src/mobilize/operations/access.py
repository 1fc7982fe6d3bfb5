"""Who may see and act on an operation.

An operation has a lead agency (DoD for the border's troops). Its parties are the lead, the
agencies of its units (fills included: an agency that sends a unit joins), and the requesting
agency of a request the lead has accepted into it. A draft or cancelled request grants nothing;
filing one against somebody else's operation makes nobody a party.

Any role in a party's line reads the operation; a planner in a party runs plans (proposals
change nothing). What moves units — orders, task progress, plan adoption — is for the lead's
planners, or for a party's planner on the units of their own agency only: a unit answers to
its own agency (../shared/domain.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.agencies.models import Agency
from mobilize.agencies.service import held_agencies
from mobilize.auth.models import Role
from mobilize.auth.service import Actor
from mobilize.core.errors import Forbidden
from mobilize.operations.lead import is_accepted, lead_agency
from mobilize.operations.models import Operation, UnitRecord
from mobilize.operations.plans import get_plan, plan_document
from mobilize.requests.models import SupportRequest


def accepted_requests(session: Session, operation: Operation) -> list[SupportRequest]:
    query = select(SupportRequest).where(SupportRequest.operation_id == operation.id)
    lead = lead_agency(operation)
    return [request for request in session.scalars(query) if is_accepted(request, lead)]


def operation_parties(session: Session, operation: Operation) -> set[str]:
    agencies = held_agencies(session)
    of_units = select(UnitRecord.agency_id).where(UnitRecord.operation_id == operation.id)
    parties = {
        (agencies.get(id_) or session.get_one(Agency, id_)).path
        for id_ in session.scalars(of_units.distinct())
        if id_ is not None
    }
    parties.update(
        request.requesting_agency.path for request in accepted_requests(session, operation)
    )
    lead = lead_agency(operation)
    return parties | {lead} if lead else parties


def may_read(session: Session, actor: Actor, operation: Operation) -> bool:
    return any(actor.related_to(party) for party in operation_parties(session, operation))


def require_reader(session: Session, actor: Actor, operation: Operation) -> None:
    if not may_read(session, actor, operation):
        raise Forbidden(f"{actor.username} is not of an agency party to {operation.name}")


def may_plan(session: Session, actor: Actor, operation: Operation) -> bool:
    parties = operation_parties(session, operation)
    return any(actor.holds(Role.PLANNER, party) for party in parties)


def require_planner(session: Session, actor: Actor, operation: Operation, doing: str) -> None:
    if not may_plan(session, actor, operation):
        raise Forbidden(
            f"{actor.username} may not {doing}: it needs the planner role in an agency party "
            f"to {operation.name}"
        )


def is_lead_planner(actor: Actor, operation: Operation) -> bool:
    lead = lead_agency(operation)
    return bool(lead) and actor.holds(Role.PLANNER, lead)


def require_lead_planner(actor: Actor, operation: Operation, doing: str) -> None:
    if not is_lead_planner(actor, operation):
        raise Forbidden(
            f"{actor.username} may not {doing}: it needs the planner role in "
            f"{lead_agency(operation) or 'the lead agency'}, which leads {operation.name}"
        )


def may_move_unit(actor: Actor, operation: Operation, unit: UnitRecord) -> bool:
    """The lead's planners, or a planner of the unit's own agency."""
    if is_lead_planner(actor, operation):
        return True
    return unit.agency is not None and actor.holds(Role.PLANNER, unit.agency.path)


def require_units_of_own(
    actor: Actor, operation: Operation, codes: Iterable[str], doing: str
) -> None:
    """Refuses unless every unit named may be moved by `actor` (see `may_move_unit`)."""
    units = {unit.code: unit for unit in operation.units}
    foreign = sorted(
        code
        for code in set(codes)
        if code in units and not may_move_unit(actor, operation, units[code])
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise Forbidden(
            f"{actor.username} may not {doing}: {shown} answer to another agency; only its "
            f"planners or those of {lead_agency(operation)}, the lead, move them"
        )


def require_adopter(session: Session, actor: Actor, operation: Operation, number: int) -> None:
    """A plan is adopted by the lead's planners, or by a party's planner whose agency owns
    every unit the plan moves."""
    require_planner(session, actor, operation, f"adopt plans of {operation.name}")
    actions = plan_document(get_plan(session, operation, number)).actions or []
    units = [action.unit for action in actions]
    require_units_of_own(actor, operation, units, f"adopt plan {number} of {operation.name}")


def may_adopt(session: Session, actor: Actor, operation: Operation, number: int) -> bool:
    """`require_adopter` asked in advance (what a page offers, an inbox lists)."""
    if is_lead_planner(actor, operation):
        return True  # moves any unit: no need to read the plan's actions (a page's menu asks)
    try:
        require_adopter(session, actor, operation, number)
    except Forbidden:
        return False
    return True
