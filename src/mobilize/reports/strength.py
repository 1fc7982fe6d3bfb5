"""The daily strength report (PERSTAT), pure: who is deployed where on a day, by component,
capability and location, how many are on pass, against the caps and the requirements.

Deployments come from the adopted plan; without one, from the force list as it stands (the
units deployed on the operation's start, staying to its end).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from openpyxl import Workbook

from mobilize.planning.schemas import DeploymentDocument, PlanDocument
from mobilize.scenario.schemas import Scenario


@dataclass(frozen=True)
class StrengthRow:
    day: date
    component: str
    capability: str
    location: str
    deployed: int
    on_pass: int

    @property
    def present(self) -> int:
        return self.deployed - self.on_pass


@dataclass(frozen=True)
class CapRow:
    day: date
    component: str  # "all" for a cap on every component
    limit: int
    deployed: int


@dataclass(frozen=True)
class NeedRow:
    day: date
    location: str
    capability: str
    required: int
    present: int

    @property
    def short(self) -> int:
        return max(0, self.required - self.present)


@dataclass(frozen=True)
class StrengthReport:
    day: date
    source: str  # which plan the deployments come from
    rows: list[StrengthRow]
    caps: list[CapRow]
    needs: list[NeedRow]


def deployments_of(scenario: Scenario, plan: PlanDocument | None) -> list[DeploymentDocument]:
    if plan is not None:
        return list(plan.deployments)
    return [
        DeploymentDocument(unit=u.id, location=u.location, from_=scenario.start, to=scenario.end)
        for u in scenario.units
        if u.location is not None
    ]


def strength_on(
    scenario: Scenario, plan: PlanDocument | None, day: date, source: str = ""
) -> StrengthReport:
    units = {unit.id: unit for unit in scenario.units}
    deployed: dict[tuple[str, str, str], int] = defaultdict(int)
    away: dict[tuple[str, str, str], int] = defaultdict(int)
    for deployment in deployments_of(scenario, plan):
        if deployment.from_ <= day <= deployment.to:
            unit = units[deployment.unit]
            deployed[(unit.component.value, unit.capability, deployment.location)] += unit.strength
    for granted in plan.passes if plan is not None else []:
        if granted.from_ <= day <= granted.to and granted.unit in units:
            unit = units[granted.unit]
            where = _location_on(plan, granted.unit, day)
            if where is not None:
                away[(unit.component.value, unit.capability, where)] += granted.personnel
    rows = [
        StrengthRow(
            day, component, capability, location, people, away[(component, capability, location)]
        )
        for (component, capability, location), people in sorted(deployed.items())
    ]
    return StrengthReport(
        day, source or "force list", rows, _caps(scenario, rows, day), _needs(scenario, rows, day)
    )


def _location_on(plan: PlanDocument | None, unit: str, day: date) -> str | None:
    for deployment in plan.deployments if plan is not None else []:
        if deployment.unit == unit and deployment.from_ <= day <= deployment.to:
            return deployment.location
    return None


def _caps(scenario: Scenario, rows: list[StrengthRow], day: date) -> list[CapRow]:
    found = []
    for cap in scenario.caps:
        if day in scenario.cap_days(cap):
            component = cap.component.value if cap.component else "all"
            people = sum(r.deployed for r in rows if component in ("all", r.component))
            found.append(CapRow(day, component, cap.max_personnel, people))
    return found


def _needs(scenario: Scenario, rows: list[StrengthRow], day: date) -> list[NeedRow]:
    required: dict[tuple[str, str], int] = defaultdict(int)
    for need in scenario.requirements:
        if day in scenario.requirement_days(need):
            required[(need.location, need.capability)] += need.personnel
    for task in scenario.tasks:
        if day in scenario.task_days(task):
            required[(task.location, task.capability)] += task.personnel
    present: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        present[(row.location, row.capability)] += row.present
    return [
        NeedRow(day, location, capability, people, present[(location, capability)])
        for (location, capability), people in sorted(required.items())
    ]


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


Row = tuple[date | str | int, ...]
STRENGTH_COLUMNS = ("date", "component", "capability", "location", "deployed", "on_pass", "present")


def strength_rows(reports: list[StrengthReport]) -> list[Row]:
    return [
        (r.day, r.component, r.capability, r.location, r.deployed, r.on_pass, r.present)
        for report in reports
        for r in report.rows
    ]


CAP_COLUMNS = ("date", "component", "deployed", "cap", "headroom")
SHORTFALL_COLUMNS = ("date", "location", "capability", "required", "present", "short")


def cap_rows(reports: list[StrengthReport]) -> list[Row]:
    """Each cap in force each day: the capped component deployed, the cap, the headroom
    (negative: over the cap)."""
    return [
        (c.day, c.component, c.deployed, c.limit, c.limit - c.deployed)
        for report in reports
        for c in report.caps
    ]


def shortfall_rows(reports: list[StrengthReport]) -> list[Row]:
    """Each requirement short of people on a day: where, what, required, present, short."""
    return [
        (n.day, n.location, n.capability, n.required, n.present, n.short)
        for report in reports
        for n in report.needs
        if n.short > 0
    ]


# The tables of a strength export: the strength itself, then the caps and the shortfalls.
TABLES: dict[str, tuple[tuple[str, ...], Callable[[list[StrengthReport]], list[Row]]]] = {
    "strength": (STRENGTH_COLUMNS, strength_rows),
    "caps": (CAP_COLUMNS, cap_rows),
    "shortfalls": (SHORTFALL_COLUMNS, shortfall_rows),
}


def strength_csv(reports: list[StrengthReport], table: str = "strength") -> str:
    """One table of the export (`TABLES`) as CSV: by default the strength."""
    columns, rows_of = TABLES[table]
    lines = [",".join(columns)]
    lines += [",".join(str(value) for value in row) for row in rows_of(reports)]
    return "\n".join(lines) + "\n"


def strength_xlsx(reports: list[StrengthReport]) -> bytes:
    """Every table of the export, a sheet each (strength, caps, shortfalls): dates as date
    cells, numbers as numbers."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, (columns, rows_of) in TABLES.items():
        sheet = book.create_sheet(title)
        sheet.append(list(columns))
        for row in rows_of(reports):
            sheet.append(list(row))
            sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
