"""The scenario summary as Rich tables for the terminal."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mobilize.scenario.schemas import Component
from mobilize.scenario.summary import ScenarioSummary


def render_summary(summary: ScenarioSummary) -> RenderableType:
    horizon = summary.horizon
    title = Text.assemble(
        (summary.name, "bold"),
        f"\nhorizon {horizon.first} to {horizon.last} ({len(horizon)} days)",
    )
    parts: list[RenderableType] = [title, _force_table(summary), _day_one_table(summary)]
    parts += [_requirements_table(summary), _caps_table(summary)]
    if summary.passes is not None:
        passes = summary.passes
        parts.append(
            Text(
                f"passes: {passes.from_} to {passes.to}, {passes.length_days} days, "
                f"{passes.blocks} blocks a unit, homes within {passes.max_home_distance_km:g} km"
            )
        )
    return Group(*parts)


def _force_table(summary: ScenarioSummary) -> Table:
    table = Table(
        title="Units deployed on start and in reserve",
        title_justify="left",
        title_style="bold",
        min_width=60,
    )
    for header in ("component", "capability"):
        table.add_column(header)
    for header in ("deployed units", "personnel", "reserve units", "personnel"):
        table.add_column(header, justify="right")
    for line in summary.force:
        table.add_row(
            line.component.value,
            line.capability,
            f"{line.deployed_units:,}",
            f"{line.deployed_personnel:,}",
            f"{line.reserve_units:,}",
            f"{line.reserve_personnel:,}",
        )
    return table


def _day_one_table(summary: ScenarioSummary) -> Table:
    table = Table(
        title=f"Personnel deployed on {summary.start}",
        title_justify="left",
        title_style="bold",
        min_width=60,
    )
    table.add_column("component")
    table.add_column("personnel", justify="right")
    for component in Component:
        table.add_row(component.value, f"{summary.deployed_on_start[component]:,}")
    table.add_row("total", f"{sum(summary.deployed_on_start.values()):,}", style="bold")
    return table


def _requirements_table(summary: ScenarioSummary) -> Table:
    table = Table(
        title="Requirement person-days (requirements and tasks)",
        title_justify="left",
        title_style="bold",
        min_width=60,
    )
    table.add_column("capability")
    table.add_column("person-days", justify="right")
    for capability, person_days in summary.requirement_person_days.items():
        table.add_row(capability, f"{person_days:,}")
    return table


def _caps_table(summary: ScenarioSummary) -> Table:
    table = Table(title="Caps", title_justify="left", title_style="bold", min_width=60)
    for header in ("component", "max personnel", "from", "to"):
        table.add_column(header)
    for cap in summary.caps:
        component = cap.component.value if cap.component else "all"
        table.add_row(component, f"{cap.max_personnel:,}", str(cap.days.first), str(cap.days.last))
    if not summary.caps:
        table.add_row("none", "", "", "")
    return table
