"""A plan's orders to print, load in a spreadsheet or put in a calendar: one dated order per
action of the plan (deploy a unit to a place, withdraw it), with its reason. Pure: the plan
document and its scenario in, text out. (The plan's passes have their own calendar,
`passes.render.passes_ics`.)"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import icalendar

from mobilize.planning.schemas import PlanDocument
from mobilize.scenario.schemas import Scenario

ORDER_COLUMNS = (
    "date",
    "action",
    "unit",
    "unit_name",
    "capability",
    "component",
    "personnel",
    "location",
    "location_name",
    "reason",
)


@dataclass(frozen=True)
class Order:
    on: date
    action: str  # deploy, withdraw
    unit: str
    unit_name: str
    capability: str
    component: str
    personnel: int
    location: str
    location_name: str
    reason: str

    @property
    def summary(self) -> str:
        """`Deploy Military Police Battalion C to San Diego Sector (SDC)`."""
        towards = "to" if self.action == "deploy" else "from"
        return f"{self.action.capitalize()} {self.unit_name} {towards} {self.location_name}"


def orders_of(plan: PlanDocument, scenario: Scenario) -> list[Order]:
    """The plan's actions as orders, by date, then unit."""
    units = {unit.id: unit for unit in scenario.units}
    places = {place.id: f"{place.name} ({place.id})" for place in scenario.locations}
    orders = []
    for action in plan.actions or []:
        unit = units.get(action.unit)
        orders.append(
            Order(
                on=action.date,
                action=action.action,
                unit=action.unit,
                unit_name=(unit.name or unit.id) if unit else action.unit,
                capability=unit.capability if unit else "",
                component=unit.component.value if unit else "",
                personnel=unit.strength if unit else 0,
                location=action.location,
                location_name=places.get(action.location, action.location),
                reason=action.reason,
            )
        )
    return sorted(orders, key=lambda order: (order.on, order.unit, order.action))


def orders_csv(orders: list[Order]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ORDER_COLUMNS)
    for order in orders:
        writer.writerow([getattr(order, c if c != "date" else "on") for c in ORDER_COLUMNS])
    return buffer.getvalue()


def orders_ics(
    orders: list[Order], calendar_name: str, uid_prefix: str, stamp: datetime | None = None
) -> str:
    """An iCalendar file (RFC 5545): one all-day event per order. UIDs are stable (the
    prefix, unit, action and date), so importing the plan again updates, never doubles."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//mobilize//orders//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", calendar_name)
    for order in orders:
        event = icalendar.Event()
        event.add("uid", f"{uid_prefix}.{order.unit}.{order.action}.{order.on}@mobilize")
        event.add("dtstamp", stamp or datetime.now(UTC))
        event.add("dtstart", order.on)
        event.add("dtend", order.on + timedelta(days=1))  # exclusive end of an all-day event
        event.add("summary", order.summary)
        event.add("location", order.location_name)
        event.add("description", f"{order.personnel:,} personnel. {order.reason}")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    text: bytes = calendar.to_ical()
    return text.decode("utf-8")


def slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
