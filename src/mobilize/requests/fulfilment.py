"""Fulfilment, counted from fills and never guessed: per line and request, requested, offered,
approved, filled, on site on a day (checked in on or before it, not yet checked out), planned
(present that day in the adopted plan) and released; and the operation's "support received to
date" per supporting agency, with person-days delivered and their cost from the rate table.

Days on site run from the check-in day up to the day before check-out: a team that checks in
on 20 December and out on 31 January delivered 42 days per person.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.auth.service import Actor
from mobilize.operations.lead import is_accepted, lead_agency
from mobilize.operations.models import Operation
from mobilize.operations.plans import adopted_document
from mobilize.planning.instance import great_circle_km
from mobilize.planning.schemas import PlanDocument
from mobilize.reports.rows import RowQuery, select_rows
from mobilize.requests import schemas
from mobilize.requests.access import get_request, latest_offer, load_whole
from mobilize.requests.content import content_sha256
from mobilize.requests.models import Fill, OperationRate, RequestLine, SupportRequest
from mobilize.requests.states import SIGNED, FillStatus


def default_day(operation: Operation | None, today: date | None = None) -> date:
    """Today, kept within the operation's dates (an operation over is read on its last day)."""
    day = today or date.today()
    if operation is None:
        return day
    return min(max(day, operation.start), operation.end)


def on_site(fill: Fill, day: date) -> bool:
    arrived = fill.checked_in_on is not None and fill.checked_in_on <= day
    return arrived and (fill.released_on is None or day < fill.released_on)


def released_by(fill: Fill, day: date) -> bool:
    return (
        fill.status == FillStatus.RELEASED
        and fill.released_on is not None
        and fill.released_on <= day
    )


def days_on_site(fill: Fill, day: date) -> int:
    """Days on site up to and including `day`."""
    if fill.checked_in_on is None:
        return 0
    last = day if fill.released_on is None else min(day, fill.released_on - timedelta(days=1))
    return max((last - fill.checked_in_on).days + 1, 0)


def fulfilment(
    session: Session, actor: Actor, number: str, on: date | None = None
) -> schemas.FulfilmentOut:
    """The request's fulfilment on `on` (default: today within the operation's dates), for a
    party to it."""
    return fulfilment_of(session, get_request(session, actor, number), on)


def fulfilment_of(
    session: Session, request: SupportRequest, on: date | None = None
) -> schemas.FulfilmentOut:
    load_whole(session, request)
    number = request.number
    day = on or default_day(request.operation)
    adopted = adopted_document(session, request.operation) if request.operation else None
    sha256, stays = content_sha256(request), _stays(adopted)
    lines = [_line(request, line, sha256, day, stays) for line in request.lines]
    return schemas.FulfilmentOut(
        number=number,
        on=day,
        lines=lines,
        requested=sum(line.requested for line in lines),
        offered=sum(line.offered for line in lines),
        approved=sum(line.approved for line in lines),
        filled=sum(line.filled for line in lines),
        on_site=sum(line.on_site for line in lines),
        planned=sum(line.planned for line in lines),
        released=sum(line.released for line in lines),
    )


def _line(
    request: SupportRequest,
    line: RequestLine,
    sha256: str,
    day: date,
    stays: dict[str, list[tuple[date, date]]],
) -> schemas.FulfilmentLine:
    signed = [
        approval
        for approval in request.approvals
        if approval.line_id == line.id and approval.version_sha256 == sha256
    ]
    return schemas.FulfilmentLine(
        line=line.position,
        capability=line.capability,
        location=line.location,
        supporting_agency=line.supporting_agency.path,
        status=line.status,
        requested=line.personnel,
        offered=latest_offer(line, request.version),
        approved=signed[-1].personnel if signed else 0,
        filled=sum(fill.personnel for fill in line.fills),
        on_site=sum(fill.personnel for fill in line.fills if on_site(fill, day)),
        planned=sum(fill.personnel for fill in line.fills if _present(stays, fill, day)),
        released=sum(fill.personnel for fill in line.fills if released_by(fill, day)),
        fills=[fill_out(fill, stays) for fill in line.fills],
    )


def _stays(adopted: PlanDocument | None) -> dict[str, list[tuple[date, date]]]:
    found: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for stay in adopted.deployments if adopted is not None else []:
        found[stay.unit].append((stay.from_, stay.to))
    return found


def _present(stays: dict[str, list[tuple[date, date]]], fill: Fill, day: date) -> bool:
    return any(first <= day <= last for first, last in stays.get(fill.unit.code, []))


def fill_shown(session: Session, fill: Fill) -> schemas.FillOut:
    """One fill with its expected dates from its operation's adopted plan."""
    request = session.get(SupportRequest, fill.request_id)
    operation = request.operation if request is not None else None
    adopted = adopted_document(session, operation) if operation is not None else None
    return fill_out(fill, _stays(adopted))


def fill_out(fill: Fill, stays: dict[str, list[tuple[date, date]]]) -> schemas.FillOut:
    planned = stays.get(fill.unit.code, [])
    return schemas.FillOut(
        unit=fill.unit.code,
        name=fill.unit.name,
        agency=fill.agency.path,
        component=fill.unit.component.value,
        personnel=fill.personnel,
        status=fill.status,
        version=fill.version,
        assigned_on=fill.events[0].on,
        checked_in_on=fill.checked_in_on,
        released_on=fill.released_on,
        expected_arrival=min((first for first, _ in planned), default=None),
        expected_departure=max((last for _, last in planned), default=None),
        history=[
            {"status": event.status, "on": event.on.isoformat(), "by": event.by, "note": event.note}
            for event in fill.events
        ],
    )


# Support received to date --------------------------------------------------------------------


def support_report(
    session: Session, operation: Operation, on: date | None = None
) -> schemas.SupportOut:
    """Per supporting agency of the operation's requests (those its lead took in): requested,
    approved, filled, on site and released personnel, person-days delivered up to `on`, and
    their cost (daily rate per person-day, plus the trip out once checked in and home once
    released, per person-km)."""
    day = on or default_day(operation)
    rates = {
        rate.component: rate
        for rate in session.scalars(
            select(OperationRate).where(OperationRate.operation_id == operation.id)
        )
    }
    rows: dict[str, _Tally] = defaultdict(_Tally)
    lead = lead_agency(operation)
    for request in _requests(session, operation):
        if not is_accepted(request, lead):
            continue
        # The latest decision on each line holds (approvals come in the order signed).
        signed = {a.line_id: a.personnel if a.decision in SIGNED else 0 for a in request.approvals}
        for line in request.lines:
            tally = rows[line.supporting_agency.path]
            tally.requested += line.personnel
            tally.approved += signed.get(line.id, 0)
            tally.add_fills(operation, line, line.fills, day, rates)
    shown = [tally.row(agency) for agency, tally in sorted(rows.items())]
    costs = [row.cost for row in shown]
    return schemas.SupportOut(
        operation=operation.name,
        on=day,
        rows=shown,
        person_days=sum(row.person_days for row in shown),
        cost=round(sum(c for c in costs if c is not None), 2) if None not in costs else None,
    )


def _requests(session: Session, operation: Operation) -> list[SupportRequest]:
    query = (
        select(SupportRequest)
        .where(SupportRequest.operation_id == operation.id)
        .order_by(SupportRequest.number)
    )
    return list(session.scalars(query))


class _Tally:
    def __init__(self) -> None:
        self.requested = self.approved = self.filled = self.on_site = self.released = 0
        self.person_days = 0
        self.cost: float | None = 0.0

    def add_fills(
        self,
        operation: Operation,
        line: RequestLine,
        fills: Iterable[Fill],
        day: date,
        rates: dict[str, OperationRate],
    ) -> None:
        for fill in fills:
            self.filled += fill.personnel
            self.on_site += fill.personnel if on_site(fill, day) else 0
            self.released += fill.personnel if released_by(fill, day) else 0
            person_days = days_on_site(fill, day) * fill.personnel
            self.person_days += person_days
            self._add_cost(operation, line, fill, day, person_days, rates)

    def _add_cost(
        self,
        operation: Operation,
        line: RequestLine,
        fill: Fill,
        day: date,
        person_days: int,
        rates: dict[str, OperationRate],
    ) -> None:
        rate = rates.get(fill.unit.component.value)
        if rate is None or self.cost is None:
            self.cost = None
            return
        trips = (1 if fill.checked_in_on and fill.checked_in_on <= day else 0) + (
            1 if released_by(fill, day) else 0
        )
        km = _km(operation, line, fill)
        self.cost += person_days * rate.daily_rate
        self.cost += trips * fill.personnel * km * rate.transport_per_person_km

    def row(self, agency: str) -> schemas.SupportRow:
        return schemas.SupportRow(
            agency=agency,
            requested=self.requested,
            approved=self.approved,
            filled=self.filled,
            on_site=self.on_site,
            released=self.released,
            person_days=self.person_days,
            cost=round(self.cost, 2) if self.cost is not None else None,
        )


def _km(operation: Operation, line: RequestLine, fill: Fill) -> float:
    place = next((loc for loc in operation.locations if loc.code == line.location), None)
    if place is None:
        return 0.0
    unit = fill.unit
    return great_circle_km(unit.home_lat, unit.home_lon, place.lat, place.lon)


SUPPORT_COLUMNS = (
    "agency",
    "requested",
    "approved",
    "filled",
    "on_site",
    "released",
    "person_days",
    "cost",
)


def support_rows(report: schemas.SupportOut) -> list[list[str]]:
    """The report's rows as text, in `SUPPORT_COLUMNS` order (no cost: empty)."""
    return [
        [
            "" if getattr(row, column) is None else str(getattr(row, column))
            for column in SUPPORT_COLUMNS
        ]
        for row in report.rows
    ]


def support_csv(report: schemas.SupportOut) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["on", *SUPPORT_COLUMNS])
    writer.writerows([[report.on.isoformat(), *row] for row in support_rows(report)])
    return buffer.getvalue()


def support_selected(report: schemas.SupportOut, query: RowQuery) -> schemas.SupportOut:
    """`report` with its rows searched by agency, sorted and paged (`reports.rows`); its
    totals stay those of every agency."""
    rows = select_rows(report.rows, query, ("agency",)).rows
    return report.model_copy(update={"rows": rows})


def fills_at(session: Session, operation: Operation, location: str) -> list[schemas.FillAt]:
    """The units named for the operation's request lines at `location` (the lines its lead
    took in), newest first: what the map's place page lists beside its units."""
    query = (
        select(Fill, RequestLine, SupportRequest)
        .join(RequestLine, Fill.line_id == RequestLine.id)
        .join(SupportRequest, Fill.request_id == SupportRequest.id)
        .where(SupportRequest.operation_id == operation.id, RequestLine.location == location)
        .order_by(Fill.id.desc())
    )
    lead = lead_agency(operation)
    return [
        schemas.FillAt(
            request=request.number,
            line=line.position,
            unit=fill.unit.code,
            agency=fill.agency.path,
            personnel=fill.personnel,
            status=fill.status,
        )
        for fill, line, request in session.execute(query)
        if is_accepted(request, lead)
    ]
