"""Figures for the pages, pure: domain objects in, data to draw out.

The strength chart is a Plotly figure (JSON, drawn by Plotly's bundled script, with the same
figures as a table for readers without JavaScript); the plan timeline is SVG drawn on the
server, so that it needs no script at all (the map too: `web.map`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mobilize.planning.schemas import DeploymentDocument, PlanDocument
from mobilize.reports.strength import days_between, deployments_of
from mobilize.scenario.schemas import Component, Scenario, Unit

COMPONENT_COLOURS = {"active": "#1f4e79", "guard": "#5b7f2a", "civilian": "#8a4b08"}
# Colour-blind-safe palette (Okabe and Ito), one per capability in the scenario's order.
CAPABILITY_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)


@dataclass(frozen=True)
class DailyStrength:
    days: list[date]
    by_component: dict[str, list[int]]
    caps: dict[str, list[int | None]]  # the limit in force each day, per component


def daily_strength(scenario: Scenario, plan: PlanDocument | None) -> DailyStrength:
    """Personnel deployed each day by component, and each cap's limit on the days it holds."""
    days = days_between(scenario.start, scenario.end)
    units = {unit.id: unit for unit in scenario.units}
    totals: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for stay in deployments_of(scenario, plan):
        unit = units.get(stay.unit)
        if unit is None:
            continue
        for day in days_between(max(stay.from_, scenario.start), min(stay.to, scenario.end)):
            totals[unit.component.value][day] += unit.strength
    by_component = {
        component: [totals[component][day] for day in days] for component in sorted(totals)
    }
    caps: dict[str, list[int | None]] = {}
    for cap in scenario.caps:
        name = cap.component.value if cap.component is not None else "all"
        first, last = cap.from_ or scenario.start, cap.to or scenario.end
        line = caps.setdefault(name, [None] * len(days))
        for index, day in enumerate(days):
            if first <= day <= last:
                line[index] = cap.max_personnel
    return DailyStrength(days, by_component, caps)


def strength_figure(strength: DailyStrength, day: date | None = None) -> dict[str, Any]:
    """Stacked areas per component, each cap a dashed line where it holds; the axis in
    thousands with separators, the legend above the plot (clear of the date axis and its
    year), and `day` marked with a line and its date."""
    x = [one.isoformat() for one in strength.days]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "stackgroup": "deployed",
            "name": component,
            "x": x,
            "y": values,
            "line": {"color": COMPONENT_COLOURS.get(component, "#555555")},
            "hovertemplate": "%{y:,} " + component + "<extra></extra>",
        }
        for component, values in strength.by_component.items()
    ]
    traces += [
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"cap ({component})",
            "x": x,
            "y": limits,
            "line": {"color": "#b00020", "dash": "dash", "width": 2},
            "hovertemplate": "cap %{y:,}<extra></extra>",
        }
        for component, limits in strength.caps.items()
    ]
    layout: dict[str, Any] = {
        "margin": {"l": 64, "r": 16, "t": 48, "b": 48},
        "height": 340,
        "yaxis": {
            "title": {"text": "personnel deployed"},
            "rangemode": "tozero",
            "tickformat": ",d",
        },
        "separators": ".,",
        "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    }
    if day is not None:
        layout["shapes"] = [_day_line(day)]
        layout["annotations"] = [
            {
                "x": day.isoformat(),
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "text": f"{day:%d %b}",
                "showarrow": False,
                "font": {"size": 11},
                "bgcolor": "#ffffff",
            }
        ]
    return {"data": traces, "layout": layout}


def _day_line(day: date) -> dict[str, Any]:
    return {
        "type": "line",
        "x0": day.isoformat(),
        "x1": day.isoformat(),
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "line": {"color": "#1a1a1a", "width": 1.5, "dash": "dot"},
    }


@dataclass(frozen=True)
class TimelineBar:
    unit: str
    y: float
    x: float
    width: float
    colour: str
    capability: str
    location: str
    label: str  # the hover text: where, when, and why it ends


@dataclass(frozen=True)
class TimelineMark:
    x: float
    y: float
    kind: str  # deploy, relief (a deployment that relieves a unit), withdraw
    reason: str


@dataclass(frozen=True)
class TimelineGroup:
    """A place's band: its heading's baseline and the rows below it."""

    y: float
    label: str
    height: float


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bars: list[TimelineBar]
    marks: list[TimelineMark]
    ticks: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    row_height: int
    groups: list[TimelineGroup]
    caps: list[tuple[float, str]]  # where a cap starts, and what it says
    left: int = 110  # where day one starts; the unit names are left of it


def plan_timeline(
    scenario: Scenario, plan: PlanDocument, width: int = 900, row_height: int = 16
) -> Timeline:
    """A band per place (in the scenario's order), in it a row per unit deployed there with a
    bar per stay, coloured by capability; a mark at each action; a line where each cap
    starts. The date axis is drawn apart (`ticks`), to stay in view while the rows scroll."""
    span = (scenario.end - scenario.start).days + 1
    left = 110
    per_day = (width - left - 10) / span
    colours = {
        capability.id: CAPABILITY_COLOURS[i % len(CAPABILITY_COLOURS)]
        for i, capability in enumerate(scenario.capabilities)
    }
    units = {unit.id: unit for unit in scenario.units}
    names = {location.id: location.name for location in scenario.locations}
    order = {code: index for index, code in enumerate(names)}
    stays = sorted(
        (d for d in plan.deployments if d.unit in units),
        key=lambda d: (
            order.get(d.location, len(order)),
            units[d.unit].capability,
            d.unit,
            d.from_,
        ),
    )
    rows, groups = _timeline_rows(stays, names, row_height)
    actions: Actions = {
        (a.unit, a.date, a.action): (a.location, a.reason) for a in plan.actions or []
    }

    def x_of(day: date) -> float:
        return left + (day - scenario.start).days * per_day

    bars = [
        _bar(
            stay,
            units[stay.unit],
            rows[(stay.location, stay.unit)],
            x_of,
            per_day,
            colours,
            actions,
        )
        for stay in stays
    ]
    marks = []
    for (unit_id, day, kind), (place, reason) in actions.items():
        row = rows.get((place, unit_id)) or next(
            (y for (p, u), y in rows.items() if u == unit_id), None
        )
        if row is not None and scenario.start <= day <= scenario.end:
            shown = "relief" if kind == "deploy" and "relieves " in reason else kind
            mark = TimelineMark(
                round(x_of(day), 1), row + row_height / 2, shown, f"{day} {kind}: {reason}"
            )
            marks.append(mark)
    ticks = [
        (round(x_of(day), 1), day.strftime("%d %b"))
        for day in days_between(scenario.start, scenario.end)
        if day.day in (1, 15)
    ]
    caps = [
        (round(x_of(cap.from_), 1), _cap_words(cap.max_personnel, cap.component, cap.from_))
        for cap in scenario.caps
        if cap.from_ is not None and scenario.start <= cap.from_ <= scenario.end
    ]
    height = int(max([g.y + g.height for g in groups], default=0)) + 4
    legend = list(colours.items())
    return Timeline(width, height, bars, marks, ticks, legend, row_height, groups, caps, left)


Actions = dict[tuple[str, date, str], tuple[str, str]]  # (unit, day, kind) -> (place, reason)


def _timeline_rows(
    stays: list[DeploymentDocument], names: dict[str, str], row_height: int
) -> tuple[dict[tuple[str, str], float], list[TimelineGroup]]:
    """The top of each (place, unit) row, and each place's band with a heading row."""
    rows: dict[tuple[str, str], float] = {}
    groups: list[TimelineGroup] = []
    y = 0.0
    for place in dict.fromkeys(stay.location for stay in stays):
        heading = y
        y += row_height + 2
        for unit in dict.fromkeys(stay.unit for stay in stays if stay.location == place):
            rows[(place, unit)] = y
            y += row_height
        label = f"{names.get(place, place)} ({place})"
        groups.append(TimelineGroup(heading + row_height - 3, label, y - heading))
        y += 4
    return rows, groups


def _bar(
    stay: DeploymentDocument,
    unit: Unit,
    y: float,
    x_of: Callable[[date], float],
    per_day: float,
    colours: dict[str, str],
    actions: Actions,
) -> TimelineBar:
    ends = actions.get((stay.unit, stay.to + timedelta(days=1), "withdraw"), ("", "to the end"))[1]
    return TimelineBar(
        unit=stay.unit,
        y=y,
        x=round(x_of(stay.from_), 1),
        width=round(((stay.to - stay.from_).days + 1) * per_day, 1),
        colour=colours.get(unit.capability, "#555555"),
        capability=unit.capability,
        location=stay.location,
        label=f"{stay.unit} ({unit.capability}, {unit.strength:,}) at {stay.location} "
        f"{stay.from_} to {stay.to}: {ends}",
    )


def _cap_words(limit: int, component: Component | None, start: date) -> str:
    who = component.value if component is not None else "all"
    return f"cap {limit:,} {who} from {start:%d %b}"
