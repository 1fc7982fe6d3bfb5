"""The approver's decision package, computed from the operation's force list and rate table.

Cost: each line's personnel-days times the daily rate of its component, plus moving the
nearest units able to fill it from home station and back (person-km times the transport rate),
itemised. Cap headroom: for each cap, the capped component present each day by the adopted
plan, with the lines added, and the days they would break the cap. Readiness: for each
capability, the share of all its personnel in the force list the request commits, and which
of the units able to fill it would pass their maximum deployment if they did. GAO-21-356
found cost and readiness not fully evaluated; here they are computed, shown beside the
criteria and stored with the approval.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.auth.service import covers
from mobilize.operations.models import Location, Operation, UnitRecord
from mobilize.operations.plans import deployments_source
from mobilize.planning.instance import great_circle_km
from mobilize.reports.strength import days_between
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
        "caps": cap_headroom(session, operation, lines),
    }


def cap_headroom(
    session: Session, operation: Operation, lines: list[RequestLine]
) -> list[dict[str, Any]]:
    """For each cap the lines touch: per day of the lines, the personnel of the capped
    component present by the adopted plan (else the force list as it stands), with these
    lines added, the limit and the headroom left; and the days the lines would break it."""
    present, source = _present_by_component(session, operation)
    found: list[dict[str, Any]] = []
    for cap in operation.caps:
        capped = cap.component.value if cap.component is not None else None
        first, last = cap.starts_on or operation.start, cap.ends_on or operation.end
        days: list[dict[str, Any]] = []
        for day in days_between(first, last):
            added = sum(
                line.personnel
                for line in lines
                if line.starts_on <= day <= line.ends_on
                and (capped is None or line_component(line) == capped)
            )
            if not added:
                continue
            now = present.get((capped or "all", day), 0)
            days.append(
                {
                    "day": day.isoformat(),
                    "limit": cap.max_personnel,
                    "present": now,
                    "with_lines": now + added,
                    "headroom": cap.max_personnel - now - added,
                }
            )
        if days:
            breaks = [
                {"day": d["day"], "excess": -int(d["headroom"])}
                for d in days
                if int(d["headroom"]) < 0
            ]
            already = sum(1 for d in days if int(d["present"]) > cap.max_personnel)
            found.append(
                {
                    "component": capped or "all",
                    "source": source,
                    "days": days,
                    "breaks": breaks,
                    "over_without_lines": already,  # days the cap is broken without them
                }
            )
    return found


def _present_by_component(
    session: Session, operation: Operation
) -> tuple[dict[tuple[str, date], int], str]:
    document, source = deployments_source(session, operation)
    units = {unit.code: unit for unit in operation.units}
    if document is not None:
        stays = [(d.unit, d.from_, d.to) for d in document.deployments]
    else:
        stays = [
            (u.code, operation.start, u.available_until or operation.end)
            for u in operation.units
            if u.location is not None
        ]
    present: dict[tuple[str, date], int] = defaultdict(int)
    for code, first, last in stays:
        unit = units.get(code)
        if unit is None:
            continue
        for day in days_between(first, last):
            present[(unit.component.value, day)] += unit.strength
            present[("all", day)] += unit.strength
    return present, source


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
