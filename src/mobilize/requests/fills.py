"""Fills: the named units a supporting agency sends for a line, and their dated lives.

A responder fills its agency's offered or signed line with units of its own agency: existing
units of the operation's force list, or a team it creates on the spot. A fill is bound to the
line and to the version it was made on; the personnel filled never exceed what was offered
(before the signature) or approved (after it); a unit serves one line at a time. Each fill then
moves forwards through assigned -> mobilizing -> en route -> on site (check-in) -> demobilizing
-> released (check-out), each step dated (never in the future, never before the last) and
audited. Fulfilment is counted from these records only (`requests.fulfilment`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.agencies.service import ensure_agency
from mobilize.audit.service import Entry, append
from mobilize.auth.models import Role
from mobilize.auth.service import Actor, covers
from mobilize.core.errors import Forbidden, InvalidInput, NotFound, Refused
from mobilize.operations.lead import is_accepted, lead_agency
from mobilize.operations.models import Operation, UnitRecord
from mobilize.operations.requirements import signature_in_force
from mobilize.requests import schemas
from mobilize.requests.access import (
    Change,
    changed,
    find_request,
    latest_offer,
    line_at,
    locked_request,
    state_of,
)
from mobilize.requests.models import Fill, FillEvent, RequestLine, SupportRequest
from mobilize.requests.package import line_component
from mobilize.requests.states import (
    SIGNED,
    FillStatus,
    LineStatus,
    fill_move,
    line_move,
    request_move,
)
from mobilize.scenario.schemas import Component


def fill_line(
    session: Session,
    key: bytes,
    actor: Actor,
    change: Change,
    fill: schemas.FillInput,
    today: date | None = None,
) -> SupportRequest:
    """Bind a unit to a line of the request, `assigned` on the day the input says (default
    `today`, itself by default the date today; never later).

    Refused unless the actor answers for the line's agency, the request is one the operation's
    lead took in, and the unit fits: the line's capability, an eligible component, of the
    agency, not serving another line, within what is left to fill."""
    request = locked_request(session, actor, change)
    before = state_of(request)
    request.status = request_move(request.status, "fill")
    line = line_at(request, fill.line)
    line.status = line_move(line.status, "fill")
    agency = line.supporting_agency.path
    actor.require(Role.RESPONDER, agency, f"fill line {line.position} for {agency}")
    operation = _operation_taken_in(request)
    unit = (
        _existing(operation, fill.unit)
        if fill.unit
        else _created(session, operation, actor, line, fill)
    )
    _check_fits(request, line, unit)
    on = _not_future(fill.on or today or date.today(), today)
    record = Fill(
        request_id=request.id,
        unit=unit,
        agency=unit.agency,
        personnel=unit.strength,
        version=request.version,
        created_unit=fill.new_unit is not None,
        status=FillStatus.ASSIGNED,
        created_by=actor.username,
    )
    record.events.append(
        FillEvent(status=FillStatus.ASSIGNED, on=on, note=fill.note, by=actor.username)
    )
    line.fills.append(record)
    detail = f"line {line.position}: {unit.code} ({unit.strength})"
    return changed(session, key, actor, "request.fill", request, before, detail)


def _operation_taken_in(request: SupportRequest) -> Operation:
    operation = request.operation
    if operation is None:
        raise Refused(f"{request.number} names no operation: there is no force list to fill from")
    lead = lead_agency(operation)
    if not is_accepted(request, lead):
        raise Refused(
            f"{request.number} is not yet accepted into {operation.name} by its lead ({lead}): "
            "its lines are filled once the lead takes it in"
        )
    return operation


def _existing(operation: Operation, code: str) -> UnitRecord:
    for unit in operation.units:
        if unit.code == code:
            return unit
    raise NotFound(f"{operation.name} has no unit {code!r} in its force list")


def _created(
    session: Session,
    operation: Operation,
    actor: Actor,
    line: RequestLine,
    fill: schemas.FillInput,
) -> UnitRecord:
    """A team made on the spot: of the actor's agency when it is a part of the line's agency
    (DOJ's liaison sending a U.S. Marshals team names DOJ/U.S. Marshals Service), else of the
    line's agency; available for the line's dates unless it says otherwise."""
    new = fill.new_unit
    assert new is not None  # FillInput holds one of unit and new_unit
    if any(unit.code == new.id for unit in operation.units):
        raise InvalidInput(
            f"new_unit.id: {operation.name} already has a unit {new.id!r}; pick another id"
        )
    capability = next(c for c in operation.capabilities if c.code == line.capability)
    line_agency = line.supporting_agency.path
    owner = actor.agency if covers(line_agency, actor.agency) else line_agency
    unit = UnitRecord(
        code=new.id,
        name=new.name,
        position=len(operation.units),
        capability=capability,
        component=Component(new.component),
        agency=ensure_agency(session, owner),
        strength=new.strength,
        home_name=new.home.name,
        home_lat=new.home.lat,
        home_lon=new.home.lon,
        available_from=new.available_from or line.starts_on,
        available_until=new.available_until or line.ends_on,
        max_deployment_days=new.max_deployment_days,
    )
    operation.units.append(unit)
    session.flush()
    return unit


def _check_fits(request: SupportRequest, line: RequestLine, unit: UnitRecord) -> None:
    agency = line.supporting_agency.path
    if unit.agency is None or not covers(agency, unit.agency.path):
        owner = unit.agency.path if unit.agency else "no agency"
        raise Forbidden(f"{unit.code} is of {owner}: {agency} fills its lines with its own units")
    if unit.capability.code != line.capability:
        raise InvalidInput(
            f"{unit.code} is {unit.capability.code}; "
            f"line {line.position} asks for {line.capability}"
        )
    _check_component(request, line, unit)
    serving = _active_fills(unit)
    if serving:
        raise Refused(
            f"{unit.code} already serves {_fill_name(serving[0])}: a unit serves one line at a "
            "time; release it there first"
        )
    left = fill_limit(request, line) - filled_personnel(line)
    if unit.strength > left:
        raise InvalidInput(
            f"line {line.position}: {unit.code} brings {unit.strength}, but only {max(left, 0)} "
            f"of the {fill_limit(request, line)} {_limit_word(line)} are left to fill"
        )


def _check_component(request: SupportRequest, line: RequestLine, unit: UnitRecord) -> None:
    wanted = line.component
    component = unit.component.value
    law = request.operation.law_enforcement_capabilities if request.operation else ["LEO"]
    if line.capability in law and component == "active":
        raise InvalidInput(
            f"{unit.code} is active duty: active-duty forces may not do law enforcement "
            f"({line.capability}; Posse Comitatus Act)"
        )
    if wanted and component != wanted:
        raise InvalidInput(f"{unit.code} is {component}; line {line.position} asks for {wanted}")
    if not wanted and line_component(line) == "civilian" and component == "active":
        raise InvalidInput(f"{unit.code} is active duty; line {line.position} asks for civilians")


def _active_fills(unit: UnitRecord) -> list[Fill]:
    session = Session.object_session(unit)
    if session is None or unit.id is None:
        return []
    query = select(Fill).where(Fill.unit_id == unit.id, Fill.status != FillStatus.RELEASED.value)
    return list(session.scalars(query))


def fill_limit(request: SupportRequest, line: RequestLine) -> int:
    """What may be filled: the personnel approved by the signature in force, or before any
    signature, the agency's latest offer on this version."""
    if line.status in SIGNED or line.status == LineStatus.IN_EXECUTION:
        signed = signature_in_force(request, line)
        return signed.personnel if signed else 0
    return latest_offer(line, request.version)


def _limit_word(line: RequestLine) -> str:
    return (
        "approved" if line.status in SIGNED or line.status == LineStatus.IN_EXECUTION else "offered"
    )


def filled_personnel(line: RequestLine) -> int:
    return sum(fill.personnel for fill in line.fills if fill.active)


def move_fill(
    session: Session,
    key: bytes,
    actor: Actor,
    number: str,
    unit_code: str,
    move: schemas.FillMoveInput,
    today: date | None = None,
) -> Fill:
    """Set a fill's next dated status: by the unit's agency or the operation's lead planners."""
    request = find_request(session, number, lock=False)
    fill = _active_fill(session, request, unit_code)
    _require_fill_keeper(actor, request, fill)
    last = fill.events[-1].on
    on = _not_future(move.on, today)
    if on < last:
        raise InvalidInput(f"on: {on} is before the fill's last status ({fill.status}, {last})")
    before = _fill_state(fill)
    fill.status = fill_move(fill.status, move.status)
    if fill.status == FillStatus.ON_SITE:
        fill.checked_in_on = on
    if fill.status == FillStatus.RELEASED:
        fill.released_on = on
    fill.events.append(FillEvent(status=fill.status, on=on, note=move.note, by=actor.username))
    session.flush()
    entry = Entry(
        actor.username,
        actor.agency,
        f"fill.{fill.status}",
        "fill",
        _fill_name(fill),
        before,
        _fill_state(fill),
    )
    append(session, key, entry)
    return fill


def _not_future(on: date, today: date | None) -> date:
    if on > (today or date.today()):
        raise InvalidInput(f"on: {on} is in the future; statuses are set on the day they happen")
    return on


def _active_fill(session: Session, request: SupportRequest, unit_code: str) -> Fill:
    query = (
        select(Fill)
        .join(UnitRecord, Fill.unit_id == UnitRecord.id)
        .where(Fill.request_id == request.id, UnitRecord.code == unit_code)
        .order_by(Fill.id.desc())
        .with_for_update(of=Fill)
    )
    fill = session.scalars(query).first()
    if fill is None:
        raise NotFound(f"{request.number} has no fill by unit {unit_code!r}")
    return fill


def keeps_own_fill(actor: Actor, fill: Fill) -> bool:
    """The fill's own agency (its responders or planners) sets its statuses."""
    agency = fill.agency.path
    return actor.holds(Role.RESPONDER, agency) or actor.holds(Role.PLANNER, agency)


def _require_fill_keeper(actor: Actor, request: SupportRequest, fill: Fill) -> None:
    agency = fill.agency.path
    own = keeps_own_fill(actor, fill)
    operation = request.operation
    lead = lead_agency(operation) if operation is not None else ""
    if own or (lead and actor.holds(Role.PLANNER, lead)):
        return
    raise Forbidden(
        f"{actor.username} may not move {fill.unit.code}: its status is set by {agency} "
        f"or by the planners of {lead or 'the lead agency'}"
    )


def release_fills(session: Session, key: bytes, actor: Actor, line: RequestLine, on: date) -> None:
    """A cancelled line gives its units back: each active fill is released on `on`."""
    for fill in line.fills:
        if not fill.active:
            continue
        before = _fill_state(fill)
        fill.status, fill.released_on = FillStatus.RELEASED, max(on, fill.events[-1].on)
        fill.events.append(
            FillEvent(
                status=fill.status, on=fill.released_on, note="line cancelled", by=actor.username
            )
        )
        session.flush()
        entry = Entry(
            actor.username,
            actor.agency,
            "fill.released",
            "fill",
            _fill_name(fill),
            before,
            _fill_state(fill),
        )
        append(session, key, entry)


def _fill_name(fill: Fill) -> str:
    """How the audit trail names a fill: `RFA-2018-0001 line 3 leo-usms`."""
    session = Session.object_session(fill)
    request = session.get(SupportRequest, fill.request_id) if session is not None else None
    number = request.number if request is not None else f"request {fill.request_id}"
    return f"{number} line {fill.line.position} {fill.unit.code}"


def _fill_state(fill: Fill) -> dict[str, object]:
    last = fill.events[-1] if fill.events else None
    return {
        "status": fill.status,
        "on": last.on.isoformat() if last else None,
        "personnel": fill.personnel,
    }
