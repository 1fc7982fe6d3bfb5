"""Views of a plan's passes: a table grouped by unit, CSV for spreadsheets, iCalendar for
any calendar program (one all-day event per block's pass)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import icalendar
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mobilize.planning.schemas import PassDocument, PlanDocument
from mobilize.scenario.schemas import Scenario

PASS_CSV_COLUMNS = ("unit", "unit_name", "location", "block", "personnel", "from", "to")


def numbered_passes(plan: PlanDocument) -> list[tuple[int, PassDocument]]:
    """(block number, pass) with each unit's blocks numbered from 1 in date order."""
    numbered: list[tuple[int, PassDocument]] = []
    seen: dict[str, int] = defaultdict(int)
    for granted in sorted(plan.passes, key=lambda p: (p.unit, p.from_, -p.personnel)):
        seen[granted.unit] += 1
        numbered.append((seen[granted.unit], granted))
    return numbered


def render_passes(plan: PlanDocument, scenario: Scenario) -> RenderableType:
    parts: list[RenderableType] = [_passes_heading(plan), _passes_table(plan, scenario)]
    planning = plan.pass_planning
    if planning is not None and planning.withheld:
        withheld = Table(title="Fewer passes than blocks", title_justify="left", expand=True)
        withheld.add_column("unit", no_wrap=True)
        withheld.add_column("passes", justify="right")
        withheld.add_column("why", ratio=1)
        for entry in planning.withheld:
            withheld.add_row(entry.unit, f"{entry.passes}/{entry.blocks}", entry.reason)
        parts.append(withheld)
    return Group(*parts)


def _passes_heading(plan: PlanDocument) -> Text:
    planning = plan.pass_planning
    if planning is None:
        return Text(f"Passes: {len(plan.passes)}", style="bold")
    solver = planning.solver
    figures = f"{solver.name}: {solver.status} in {solver.seconds:.1f} s"
    if solver.bound is not None and solver.gap is not None:
        figures += f", bound {solver.bound:,.0f} weighted person-days, gap {solver.gap:.2%}"
    return Text.assemble(
        ("Passes", "bold"),
        f"\n{len(plan.passes)} of {planning.blocks} blocks of {planning.eligible_units} eligible "
        f"units; {planning.person_days_home:,} person-days at home "
        f"({planning.weighted_person_days_home:,} weighted: holidays count double)",
        f"\n{figures}",
    )


def _passes_table(plan: PlanDocument, scenario: Scenario) -> Table:
    names = {unit.id: unit.name or unit.id for unit in scenario.units}
    where = {d.unit: d.location for d in plan.deployments}
    table = Table(title="Passes by unit", title_justify="left", title_style="bold", expand=True)
    for header in ("unit", "at", "block", "personnel", "away", "back on duty"):
        table.add_column(header, no_wrap=header != "unit")
    previous = None
    for block, granted in numbered_passes(plan):
        first_of_unit = granted.unit != previous
        table.add_row(
            f"{granted.unit} ({names.get(granted.unit, '?')})" if first_of_unit else "",
            where.get(granted.unit, "") if first_of_unit else "",
            str(block),
            f"{granted.personnel:,}",
            f"{granted.from_:%a %d %b} to {granted.to:%a %d %b}",
            f"{granted.to + timedelta(days=1):%a %d %b}",
        )
        previous = granted.unit
    if not plan.passes:
        table.add_row("no passes", "", "", "", "", "")
    return table


def passes_csv(plan: PlanDocument, scenario: Scenario) -> str:
    names = {unit.id: unit.name or unit.id for unit in scenario.units}
    where = {d.unit: d.location for d in plan.deployments}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PASS_CSV_COLUMNS)
    for block, granted in numbered_passes(plan):
        writer.writerow(
            [
                granted.unit,
                names.get(granted.unit, ""),
                where.get(granted.unit, ""),
                block,
                granted.personnel,
                granted.from_,
                granted.to,
            ]
        )
    return buffer.getvalue()


def passes_ics(plan: PlanDocument, scenario: Scenario, stamp: datetime | None = None) -> str:
    """An iCalendar file (RFC 5545): one all-day event per block's pass. UIDs are stable
    (scenario, unit, block), so importing a revised plan updates events instead of doubling."""
    names = {unit.id: unit.name or unit.id for unit in scenario.units}
    where = {d.unit: d.location for d in plan.deployments}
    stamp = stamp or datetime.now(UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//mobilize//pass planner//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Passes: {plan.scenario}")
    for block, granted in numbered_passes(plan):
        event = icalendar.Event()
        event.add("uid", _uid(plan.scenario, granted.unit, block))
        event.add("dtstamp", stamp)
        event.add("dtstart", granted.from_)
        event.add("dtend", granted.to + timedelta(days=1))  # DTEND of an all-day event is exclusive
        event.add("summary", f"Pass: {names.get(granted.unit, granted.unit)}, block {block}")
        event.add(
            "description",
            f"{granted.personnel} personnel of {granted.unit} away from "
            f"{where.get(granted.unit, '?')} from {granted.from_} to {granted.to}; "
            f"back on duty {granted.to + timedelta(days=1)}.",
        )
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    text: bytes = calendar.to_ical()
    return text.decode("utf-8")


def _uid(scenario: str, unit: str, block: int) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in scenario.lower()).strip("-")
    return f"{slug}.{unit}.block-{block}@mobilize"
