"""The approver's decision package, computed from the operation's force list and rate table.

Cost: each line's personnel-days times the daily rate of its component, plus moving the
nearest units able to fill it from home station and back (person-km times the transport rate),
itemised. Readiness: for each capability, the share of all its personnel in the force list
the request commits, and which of the units able to fill it would pass their maximum
deployment if they did. GAO-21-356 found these two criteria not fully evaluated; here they are
computed, shown beside the criteria and stored with the approval.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.auth.service import covers
from mobilize.operations.models import Location, Operation, UnitRecord
from mobilize.planning.instance import great_circle_km
from mobilize.requests.models import OperationRate

if TYPE_CHECKING:
    from mobilize.requests.models import RequestLine, SupportRequest

ROUND_TRIP = 2  # forces travel out and home again


def decision_package(
    session: Session, request: SupportRequest, lines: list[RequestLine]
) -> dict[str, Any]:
    operation = request.operation
    if operation is None:
        return {"note": "the request names no operation: no force list or rates to estimate from"}
    rates = _rates(session, operation)
    items = [_line_cost(operation, line, rates) for line in lines]
    known = [item["total"] for item in items if item["total"] is not None]
    return {
        "version": request.version,
        "cost": {
            "lines": items,
            "total": round(sum(known), 2) if len(known) == len(items) else None,
            "rates": {component: rate.daily_rate for component, rate in rates.items()},
        },
        "readiness": _readiness(operation, lines),
    }


def _rates(session: Session, operation: Operation) -> dict[str, OperationRate]:
    found = session.scalars(select(OperationRate).where(OperationRate.operation_id == operation.id))
    return {rate.component: rate for rate in found}


def line_component(line: RequestLine) -> str:
    """What the line asks for; a line to DoD that does not say is for active-duty forces."""
    if line.component:
        return line.component
    return "active" if line.supporting_agency.path.split("/")[0] == "DoD" else "civilian"


def _line_cost(
    operation: Operation, line: RequestLine, rates: dict[str, OperationRate]
) -> dict[str, Any]:
    component = line_component(line)
    days = (line.ends_on - line.starts_on).days + 1
    item: dict[str, Any] = {
        "line": line.position,
        "component": component,
        "personnel_days": line.personnel * days,
    }
    rate = rates.get(component)
    if rate is None:
        return item | {"total": None, "note": f"no {component} rate in {operation.name}'s table"}
    moves = _transport(operation, line, rate.transport_per_person_km)
    personnel_cost = round(line.personnel * days * rate.daily_rate, 2)
    transport_cost = round(sum(move["cost"] for move in moves), 2)
    return item | {
        "daily_rate": rate.daily_rate,
        "personnel_cost": personnel_cost,
        "transport": moves,
        "transport_cost": transport_cost,
        "total": round(personnel_cost + transport_cost, 2),
    }


def _transport(operation: Operation, line: RequestLine, per_km: float) -> list[dict[str, Any]]:
    location = _location(operation, line.location)
    if location is None:
        return []
    moves, left = [], line.personnel
    for unit, km in _nearest_candidates(operation, line, location):
        if left <= 0:
            break
        people = min(left, unit.strength)
        left -= people
        cost = round(people * km * ROUND_TRIP * per_km, 2)
        moves.append({"unit": unit.code, "personnel": people, "km": round(km), "cost": cost})
    return moves


def _nearest_candidates(
    operation: Operation, line: RequestLine, location: Location
) -> list[tuple[UnitRecord, float]]:
    candidates = [
        (unit, great_circle_km(unit.home_lat, unit.home_lon, location.lat, location.lon))
        for unit in _able(operation, line)
    ]
    return sorted(candidates, key=lambda pair: (pair[1], pair[0].code))


def _able(operation: Operation, line: RequestLine) -> list[UnitRecord]:
    component = line_component(line)
    department = line.supporting_agency.path.split("/")[0]  # the Army fills a line to DoD
    return [
        unit
        for unit in operation.units
        if unit.capability.code == line.capability
        and unit.component.value == component
        and (unit.agency is None or covers(department, unit.agency.path))
    ]


def _location(operation: Operation, code: str) -> Location | None:
    return next((location for location in operation.locations if location.code == code), None)


def _readiness(operation: Operation, lines: list[RequestLine]) -> list[dict[str, Any]]:
    committed: dict[str, int] = defaultdict(int)
    for line in lines:
        committed[line.capability] += line.personnel
    strength: dict[str, int] = defaultdict(int)
    for unit in operation.units:
        strength[unit.capability.code] += unit.strength
    return [
        {
            "capability": capability,
            "committed": people,
            "force_list": strength[capability],
            "share": round(people / strength[capability], 4) if strength[capability] else None,
            "units_past_maximum": _past_maximum(operation, capability, lines),
        }
        for capability, people in sorted(committed.items())
    ]


def _past_maximum(operation: Operation, capability: str, lines: list[RequestLine]) -> list[str]:
    """Units able to fill the lines that would pass their maximum deployment doing so."""
    late: set[str] = set()
    for line in lines:
        if line.capability != capability:
            continue
        for unit in _able(operation, line):
            limit = unit.max_deployment_days or operation.max_deployment_days
            since = unit.deployed_since or line.starts_on
            if (line.ends_on - min(since, line.starts_on)).days + 1 > limit:
                late.add(unit.code)
    return sorted(late)


def set_rate(
    session: Session,
    key: bytes,
    operation: Operation,
    component: str,
    daily_rate: float,
    transport_per_person_km: float,
) -> OperationRate:
    """Set one line of the operation's rate table (audited, as every change)."""
    rates = _rates(session, operation)
    rate = rates.get(component)
    before = None if rate is None else [rate.daily_rate, rate.transport_per_person_km]
    if rate is None:
        rate = OperationRate(operation_id=operation.id, component=component)
        session.add(rate)
    rate.daily_rate, rate.transport_per_person_km = daily_rate, transport_per_person_km
    session.flush()
    after = [daily_rate, transport_per_person_km]
    target = f"{operation.name}/{component}"
    entry = Entry(SYSTEM_ACTOR, None, "rate.set", "operation", target, before, after)
    append(session, key, entry)
    return rate
