"""Where an operation's requirements come from: the requirements imported with it, the lines
of its requests as approved (following their amendments), and its open tasks.

A line's requirement is the one its latest signature made: the personnel approved and the
dates of the version signed. An amendment waiting for its signature leaves the earlier one in
force (what the authority signed still holds until it signs the change); a line denied, a
line cancelled or closed, and the lines of a cancelled or closed request ask for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mobilize.operations.lead import is_accepted, lead_agency
from mobilize.operations.models import Operation
from mobilize.operations.service import requirement_of
from mobilize.requests.models import Approval, RequestLine, SupportRequest
from mobilize.requests.states import LINE_OVER, REQUEST_OVER, SIGNED
from mobilize.scenario import schemas


@dataclass(frozen=True)
class SourcedRequirement:
    """A requirement and what set it: `imported`, `RFA-2018-0002 line 3 (version 2)` or
    `task wire-SDC`."""

    requirement: schemas.Requirement
    source: str
    filled: int = 0  # personnel of the units named for a request line (active fills)


def requirements_in_force(session: Session, operation: Operation) -> list[SourcedRequirement]:
    """Every requirement the planner must meet, each with its source."""
    imported = [SourcedRequirement(requirement_of(r), "imported") for r in operation.requirements]
    return imported + _from_requests(session, operation) + _from_tasks(operation)


def requested(session: Session, operation: Operation) -> list[schemas.Requirement]:
    """The requirements the operation's approved request lines make, for its snapshot."""
    return [sourced.requirement for sourced in _from_requests(session, operation)]


def _from_tasks(operation: Operation) -> list[SourcedRequirement]:
    return [
        SourcedRequirement(
            schemas.Requirement(
                location=task.location.code,
                capability=task.capability.code,
                personnel=task.personnel,
                from_=task.starts_on,
                to=task.needed_until,
            ),
            f"task {task.code}" + (f" (done {task.done_on})" if task.done_on else ""),
        )
        for task in operation.tasks
    ]


def _from_requests(session: Session, operation: Operation) -> list[SourcedRequirement]:
    found = []
    for request in _requests(session, operation):
        for line in request.lines:
            signed = signature_in_force(request, line)
            if signed is None:
                continue
            requirement = _requirement(operation, signed, as_signed(request, line, signed))
            if requirement is not None:
                source = f"{request.number} line {line.position} (version {signed.version})"
                filled = sum(fill.personnel for fill in line.fills if fill.active)
                found.append(SourcedRequirement(requirement, source, filled))
    return found


def _requests(session: Session, operation: Operation) -> list[SupportRequest]:
    query = (
        select(SupportRequest)
        .where(
            SupportRequest.operation_id == operation.id,
            SupportRequest.status.not_in(sorted(REQUEST_OVER)),
        )
        .options(
            selectinload(SupportRequest.lines).selectinload(RequestLine.fills),
            selectinload(SupportRequest.versions),
            selectinload(SupportRequest.approvals),
        )
        .order_by(SupportRequest.number)
    )
    lead = lead_agency(operation)
    # A request binds the operation once its lead took it in: filing one against another
    # agency's operation asks nothing of it.
    return [request for request in session.scalars(query) if is_accepted(request, lead)]


def signature_in_force(request: SupportRequest, line: RequestLine) -> Approval | None:
    """The line's latest decision, when it is a signature and the line is still asked for."""
    if line.status in LINE_OVER:
        return None
    decisions = [approval for approval in request.approvals if approval.line_id == line.id]
    if not decisions or decisions[-1].decision not in SIGNED:
        return None
    return decisions[-1]


def as_signed(request: SupportRequest, line: RequestLine, signed: Approval) -> dict[str, Any]:
    """The line as it stood in the version `signed` was signed on."""
    content = next(v.content for v in request.versions if v.version == signed.version)
    found: dict[str, Any] = next(item for item in content["lines"] if item["line"] == line.position)
    return found


def _requirement(
    operation: Operation, signed: Approval, signed_line: dict[str, Any]
) -> schemas.Requirement | None:
    """The line as signed, inside the operation's dates (None when it falls outside them)."""
    starts_on = max(date.fromisoformat(signed_line["starts_on"]), operation.start)
    ends_on = min(date.fromisoformat(signed_line["ends_on"]), operation.end)
    if ends_on < starts_on or signed.personnel <= 0:
        return None
    return schemas.Requirement(
        location=signed_line["location"],
        capability=signed_line["capability"],
        personnel=signed.personnel,
        from_=starts_on,
        to=ends_on,
    )
