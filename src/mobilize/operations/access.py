"""Who may see and run an operation: the agencies party to it.

An operation's parties are the agencies of its units and, once a request for it is submitted,
the requester's agency and every agency a line is addressed to (a draft makes nobody a
party). Any role in a party's line reads the operation; a planner in a party reports
progress, runs and adopts plans.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.auth.models import Role
from mobilize.auth.service import Actor
from mobilize.core.errors import Forbidden
from mobilize.operations.models import Operation
from mobilize.requests.models import SupportRequest


def operation_parties(session: Session, operation: Operation) -> set[str]:
    parties = {unit.agency.path for unit in operation.units if unit.agency is not None}
    query = select(SupportRequest).where(SupportRequest.operation_id == operation.id)
    for request in session.scalars(query):
        if request.status != "draft":  # a draft is its author's alone
            parties.add(request.requesting_agency.path)
            parties.update(line.supporting_agency.path for line in request.lines)
    return parties


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
