"""Units filled for request lines, as the planner sees them.

A unit filled for a signed line is in the operation's force for the line's dates as signed
(following its amendments); one filled for a line still awaiting its signature is held, not
planned; a released unit is available until the day before its release. The plan's reasons
then name the line a unit deploys for (`fills RFA-2018-0001 line 3 (DOJ)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from mobilize.operations.lead import is_accepted, lead_agency
from mobilize.operations.models import Operation
from mobilize.operations.requirements import as_signed, signature_in_force
from mobilize.planning.schemas import PlanDocument
from mobilize.requests.models import Fill, RequestLine, SupportRequest
from mobilize.requests.states import FillStatus
from mobilize.scenario.schemas import Scenario, Unit


@dataclass(frozen=True)
class FilledUnit:
    unit: str
    line: str  # `RFA-2018-0001 line 3 (DOJ)`
    window: tuple[date, date] | None  # the line's dates as signed; None: awaiting signature
    released_on: date | None


def filled_units(session: Session, operation: Operation) -> dict[str, FilledUnit]:
    """Each unit's latest fill on a request the operation's lead took in, by unit id."""
    lead = lead_agency(operation)
    query = (
        select(Fill, SupportRequest)
        .join(SupportRequest, Fill.request_id == SupportRequest.id)
        .where(SupportRequest.operation_id == operation.id)
        .options(
            joinedload(Fill.unit),
            joinedload(Fill.line).joinedload(RequestLine.supporting_agency),
            selectinload(SupportRequest.versions),
            selectinload(SupportRequest.approvals),
        )
        .order_by(Fill.id)
    )
    found: dict[str, FilledUnit] = {}
    for fill, request in session.execute(query):
        if is_accepted(request, lead):
            found[fill.unit.code] = _filled(request, fill.line, fill)
    return found


def _filled(request: SupportRequest, line: RequestLine, fill: Fill) -> FilledUnit:
    name = f"{request.number} line {line.position} ({line.supporting_agency.path.split('/')[0]})"
    signed = signature_in_force(request, line)
    window = None
    if signed is not None:
        signed_line = as_signed(request, line, signed)
        window = (
            date.fromisoformat(signed_line["starts_on"]),
            date.fromisoformat(signed_line["ends_on"]),
        )
    released = fill.released_on if fill.status == FillStatus.RELEASED else None
    return FilledUnit(fill.unit.code, name, window, released)


def with_fills(scenario: Scenario, filled: dict[str, FilledUnit]) -> Scenario:
    """The scenario with each filled unit's availability set by its line; a unit held for a
    line awaiting its signature, or released before it could serve, is left out (one
    deployed on the first day stays, as it stands)."""
    units: list[Unit] = []
    for unit in scenario.units:
        entry = filled.get(unit.id)
        kept = unit if entry is None else _available(scenario, unit, entry)
        if kept is not None:
            units.append(kept)
    return scenario.model_copy(update={"units": tuple(units)})


def _available(scenario: Scenario, unit: Unit, entry: FilledUnit) -> Unit | None:
    deployed = unit.location is not None
    if entry.window is None and entry.released_on is None:
        return unit if deployed else None
    first, last = entry.window or (scenario.start, scenario.end)
    if entry.released_on is not None:
        last = min(last, entry.released_on - timedelta(days=1))
    if unit.available_until is not None:
        last = min(last, unit.available_until)
    start = first if unit.available_from is None else max(first, unit.available_from)
    if deployed:
        return unit.model_copy(update={"available_until": max(last, scenario.start)})
    if last < max(start, scenario.start):
        return None
    return unit.model_copy(update={"available_from": start, "available_until": last})


def with_fill_reasons(document: PlanDocument, filled: dict[str, FilledUnit]) -> PlanDocument:
    """A deployment of a filled unit says which line it fills, before the planner's reason."""
    if not document.actions:
        return document
    actions = []
    for action in document.actions:
        entry = filled.get(action.unit)
        if action.action == "deploy" and entry is not None and "fills " not in action.reason:
            action = action.model_copy(update={"reason": f"fills {entry.line}; {action.reason}"})
        actions.append(action)
    return document.model_copy(update={"actions": actions})
