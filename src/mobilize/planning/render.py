"""Views of a plan for people: the staff officer's table, a spreadsheet CSV, one unit's story."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mobilize.planning.schemas import PlanDocument, ShortfallDocument
from mobilize.scenario.schemas import Component, Scenario

_BARS = " ▁▂▃▄▅▆▇█"


def render_plan(plan: PlanDocument, scenario: Scenario) -> RenderableType:
    parts: list[RenderableType] = [_heading(plan)]
    parts += [_actions_table(plan), _strength_chart(plan, scenario), _shortfalls_table(plan)]
    parts.append(_metrics_line(plan))
    return Group(*parts)


def _heading(plan: PlanDocument) -> Text:
    solver = plan.solver
    if solver is None:
        return Text(plan.scenario, style="bold")
    figures = f"{solver.name}: {solver.status} in {solver.seconds:.1f} s"
    if solver.objective is not None and solver.bound is not None and solver.gap is not None:
        figures += (
            f", objective {solver.objective:,.0f}, bound {solver.bound:,.0f}, gap {solver.gap:.2%}"
        )
    levels = ", ".join(f"{stage.level} {stage.status}" for stage in solver.stages)
    return Text.assemble((plan.scenario, "bold"), f"\n{figures}", f"\n{levels}" if levels else "")


def _actions_table(plan: PlanDocument) -> Table:
    table = Table(title="Actions", title_justify="left", title_style="bold", expand=True)
    for header in ("date", "action", "unit", "at"):
        table.add_column(header, no_wrap=True)
    table.add_column("reason", ratio=1)
    for action in plan.actions or []:
        style = "green" if action.action == "deploy" else None
        table.add_row(
            str(action.date),
            action.action,
            action.unit,
            action.location,
            action.reason,
            style=style,
        )
    if not plan.actions:
        table.add_row("", "", "", "", "no moves: the force stays as it is")
    return table


def daily_personnel(plan: PlanDocument, scenario: Scenario) -> dict[str, list[int]]:
    """Personnel present each day, by component and in all."""
    days = len(scenario.horizon)
    strength = {unit.id: unit for unit in scenario.units}
    totals = {key: [0] * days for key in [*(c.value for c in Component), "all"]}
    for deployment in plan.deployments:
        unit = strength[deployment.unit]
        for offset in range(
            (deployment.from_ - scenario.start).days, (deployment.to - scenario.start).days + 1
        ):
            totals[unit.component.value][offset] += unit.strength
            totals["all"][offset] += unit.strength
    return totals


def _strength_chart(plan: PlanDocument, scenario: Scenario) -> Table:
    """One bar per day and component, scaled to the busiest day, with the caps beside."""
    totals = daily_personnel(plan, scenario)
    peak = max(max(totals["all"], default=0), 1)
    table = Table(title="Personnel per day", title_justify="left", title_style="bold")
    table.add_column("component", no_wrap=True)
    table.add_column(f"{scenario.start} .. {scenario.end}", no_wrap=True)
    for header in ("first", "last", "max", "cap"):
        table.add_column(header, justify="right", no_wrap=True)
    for key, row in totals.items():
        bars = "".join(_bar(value, peak) for value in row)
        table.add_row(
            key, bars, f"{row[0]:,}", f"{row[-1]:,}", f"{max(row):,}", _cap_text(scenario, key)
        )
    return table


def _bar(value: int, peak: int) -> str:
    """A block scaled to the peak; anyone present shows at least the lowest block."""
    height = round(value / peak * (len(_BARS) - 1))
    return _BARS[max(height, 1 if value > 0 else 0)]


def _cap_text(scenario: Scenario, key: str) -> str:
    caps = [
        cap for cap in scenario.caps if (cap.component.value if cap.component else "all") == key
    ]
    return ", ".join(f"{cap.max_personnel:,} from {scenario.cap_days(cap).first}" for cap in caps)


@dataclass(frozen=True)
class ShortfallRun:
    """Consecutive days of the same shortfall, as a staff writes it."""

    location: str
    capability: str
    first: date
    last: date
    required: int
    covered: int

    @property
    def person_days(self) -> int:
        return (self.required - self.covered) * ((self.last - self.first).days + 1)


def shortfall_runs(shortfalls: list[ShortfallDocument]) -> Iterator[ShortfallRun]:
    ordered = sorted(shortfalls, key=lambda s: (s.location, s.capability, s.date))
    run: ShortfallRun | None = None
    for item in ordered:
        continues = (
            run is not None
            and (run.location, run.capability, run.required, run.covered)
            == (item.location, item.capability, item.required, item.covered)
            and run.last + timedelta(days=1) == item.date
        )
        if run is not None and continues:
            run = ShortfallRun(
                run.location, run.capability, run.first, item.date, run.required, run.covered
            )
            continue
        if run is not None:
            yield run
        run = ShortfallRun(
            item.location, item.capability, item.date, item.date, item.required, item.covered
        )
    if run is not None:
        yield run


def _shortfalls_table(plan: PlanDocument) -> RenderableType:
    runs = list(shortfall_runs(plan.shortfalls or []))
    if not runs:
        return Text("Shortfalls: none; every requirement is covered every day.", style="bold green")
    table = Table(title="Shortfalls", title_justify="left", title_style="bold red")
    for header in ("at", "capability", "from", "to"):
        table.add_column(header)
    for header in ("required", "covered", "short person-days"):
        table.add_column(header, justify="right")
    for run in runs:
        table.add_row(
            run.location,
            run.capability,
            str(run.first),
            str(run.last),
            f"{run.required:,}",
            f"{run.covered:,}",
            f"{run.person_days:,}",
        )
    return table


def _metrics_line(plan: PlanDocument) -> Text:
    metrics = plan.metrics
    if metrics is None:
        return Text("")
    return Text(
        f"shortfall {metrics.shortfall_person_days:,} person-days · "
        f"excess {metrics.excess_person_days:,} "
        f"person-days · {metrics.moves} moves · {metrics.transport_person_km:,} person-km · "
        f"peak {metrics.peak_personnel:,} personnel"
    )


CSV_COLUMNS = (
    "unit",
    "capability",
    "component",
    "strength",
    "location",
    "from",
    "to",
    "deploy_date",
    "deploy_reason",
    "withdraw_date",
    "withdraw_reason",
)


def plan_csv(plan: PlanDocument, scenario: Scenario) -> str:
    """One row per unit the plan touches: its deployment and the reasons of its moves."""
    units = {unit.id: unit for unit in scenario.units}
    actions = {(a.unit, a.action): a for a in plan.actions or []}
    deployments = {d.unit: d for d in plan.deployments}
    touched = sorted({*deployments, *(unit for unit, _ in actions)}, key=list(units).index)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for unit_id in touched:
        unit, deployment = units[unit_id], deployments.get(unit_id)
        deploy, withdraw = actions.get((unit_id, "deploy")), actions.get((unit_id, "withdraw"))
        writer.writerow(
            [
                unit_id,
                unit.capability,
                unit.component.value,
                unit.strength,
                deployment.location if deployment else (withdraw.location if withdraw else ""),
                deployment.from_ if deployment else "",
                deployment.to if deployment else "",
                deploy.date if deploy else "",
                deploy.reason if deploy else "",
                withdraw.date if withdraw else "",
                withdraw.reason if withdraw else "",
            ]
        )
    return buffer.getvalue()


def unit_story(plan: PlanDocument, unit_id: str, scenario: Scenario | None) -> list[str]:
    """One unit's part in the plan, in the order it happens."""
    lines = []
    unit = next((u for u in scenario.units if u.id == unit_id), None) if scenario else None
    if scenario is not None and unit is not None:
        lines.append(
            f"{unit.id}: {unit.name or unit.id} — {unit.capability}, {unit.component.value}, "
            f"{unit.strength:,} personnel, home {unit.home.name}"
        )
        maximum = scenario.max_deployment_days(unit)
        if unit.location is not None and unit.deployed_since is not None:
            limit = unit.deployed_since + timedelta(days=maximum - 1)
            lines.append(
                f"at {unit.location} since {unit.deployed_since}; "
                f"{maximum}-day maximum: last day {limit}"
            )
        else:
            available = unit.available_from or scenario.start
            lines.append(
                f"not deployed on {scenario.start}; available from {available}; "
                f"{maximum}-day maximum"
            )
    deployment = next((d for d in plan.deployments if d.unit == unit_id), None)
    if deployment is not None:
        days = (deployment.to - deployment.from_).days + 1
        lines.append(
            f"in the plan: at {deployment.location} from {deployment.from_} "
            f"to {deployment.to} ({days} days)"
        )
    else:
        lines.append("in the plan: not deployed")
    for action in plan.actions or []:
        if action.unit == unit_id:
            lines.append(f"{action.date} {action.action} at {action.location}: {action.reason}")
    return lines
