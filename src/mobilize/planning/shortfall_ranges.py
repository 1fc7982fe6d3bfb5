"""A plan's shortfalls as a staff officer reads them: one line per place, capability and run
of consecutive days ("EPT LEO 20 short, 20 Dec to 31 Jan") with its cause, instead of a row
per day.

The cause is worked out from what the plan and its scenario hold, never guessed: whether any
unit the planner may place has the capability (active-duty units may not do law
enforcement), whether a cap is at its limit on those days, and which requirement asked for
the people (a request line as signed is named, since its officers reach the planner only once
an agency names a unit for it, a fill). Pure: the caller passes the requirements' sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mobilize.planning.schemas import PlanDocument, ShortfallDocument
from mobilize.scenario.schemas import Component, Scenario, Unit


@dataclass(frozen=True)
class SourcedNeed:
    """A requirement's place, capability, dates and what set it (`RFA-2018-0003 line 2
    (version 1)`, `imported`, `task wire-SDC`)."""

    location: str
    capability: str
    first: date
    last: date
    source: str
    required: int = 0
    filled: int = 0  # personnel of the units named for it so far (a request line's fills)


@dataclass(frozen=True)
class ShortfallRange:
    location: str
    capability: str
    first: date
    last: date
    least: int  # the fewest short on a day of the run
    most: int  # the most short on a day of the run
    person_days: int
    cause: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def shortfall_ranges(
    scenario: Scenario, plan: PlanDocument, needs: Sequence[SourcedNeed] = ()
) -> list[ShortfallRange]:
    """The plan's shortfalls grouped into runs of consecutive days per place and capability,
    the largest in person-days first, each with its cause."""
    ranges = [_range(scenario, plan, run, needs) for run in _runs(plan.shortfalls or [])]
    return sorted(ranges, key=lambda r: (-r.person_days, r.location, r.capability, r.first))


def _runs(shortfalls: Iterable[ShortfallDocument]) -> list[list[ShortfallDocument]]:
    ordered = sorted(shortfalls, key=lambda s: (s.location, s.capability, s.date))
    runs: list[list[ShortfallDocument]] = []
    for day in ordered:
        last = runs[-1][-1] if runs else None
        joins = (
            last is not None
            and (last.location, last.capability) == (day.location, day.capability)
            and day.date == last.date + timedelta(days=1)
        )
        if joins:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _range(
    scenario: Scenario,
    plan: PlanDocument,
    run: list[ShortfallDocument],
    needs: Sequence[SourcedNeed],
) -> ShortfallRange:
    short = [day.required - day.covered for day in run]
    first, last = run[0].date, run[-1].date
    location, capability = run[0].location, run[0].capability
    return ShortfallRange(
        location=location,
        capability=capability,
        first=first,
        last=last,
        least=min(short),
        most=max(short),
        person_days=sum(short),
        cause=cause_of(scenario, plan, location, capability, (first, last), needs),
    )


def cause_of(
    scenario: Scenario,
    plan: PlanDocument,
    location: str,
    capability: str,
    window: tuple[date, date],
    needs: Sequence[SourcedNeed] = (),
) -> str:
    """Why the plan is short of `capability` at `location` over `window`, in words."""
    of_capability = [unit for unit in scenario.units if unit.capability == capability]
    placeable = [unit for unit in of_capability if _may_place(scenario, unit)]
    asked = _asked_by(needs, location, capability, window)
    if not placeable:
        return "; ".join([_none_placeable(scenario, capability, of_capability), *asked])
    capped = _caps_reached(scenario, plan, placeable, window)
    if capped:
        return "; ".join([capped, *asked])
    return "; ".join([_where_they_are(plan, placeable, location, capability, window), *asked])


def _may_place(scenario: Scenario, unit: Unit) -> bool:
    return not (unit.component is Component.ACTIVE and scenario.is_law_enforcement(unit.capability))


def _none_placeable(scenario: Scenario, capability: str, of_capability: list[Unit]) -> str:
    if of_capability and scenario.is_law_enforcement(capability):
        return (
            f"no {capability} unit the planner may place: the {len(of_capability)} active-duty "
            f"{capability} units may not do law enforcement"
        )
    return f"no {capability} unit in the force list"


def _where_they_are(
    plan: PlanDocument,
    placeable: list[Unit],
    location: str,
    capability: str,
    window: tuple[date, date],
) -> str:
    """Where the units that could have come are during `window`: here already, at other
    places (named), or not placed (none of the plan's deployments uses them then)."""
    places: dict[str, set[str]] = {}
    for stay in plan.deployments:
        if stay.from_ <= window[1] and window[0] <= stay.to:
            places.setdefault(stay.unit, set()).add(stay.location)
    here = [u for u in placeable if location in places.get(u.id, set())]
    elsewhere: dict[str, int] = {}
    for unit in placeable:
        for place in places.get(unit.id, set()) - {location}:
            elsewhere[place] = elsewhere.get(place, 0) + 1
    idle = [u for u in placeable if u.id not in places]
    away = len({u.id for u in placeable if places.get(u.id, set()) - {location}})
    parts = []
    if here:
        parts.append(f"{len(here)} already here")
    if elsewhere:
        named = ", ".join(f"{place} {count}" for place, count in sorted(elsewhere.items()))
        parts.append(f"{away} needed at other places ({named})")
    if idle:
        parts.append(f"{len(idle)} not placed (not available then, or at their maximum deployment)")
    opening = (
        "all {n} {c} units the planner may place are in use"
        if not idle
        else ("of the {n} {c} units the planner may place")
    )
    return opening.format(n=len(placeable), c=capability) + ": " + "; ".join(parts)


def _asked_by(
    needs: Sequence[SourcedNeed], location: str, capability: str, window: tuple[date, date]
) -> list[str]:
    """The request lines that asked for these people: approved, but until an agency names a
    unit for one (a fill) the planner has nobody to place."""
    lines = sorted(
        (need for need in needs if _asks(need, location, capability, window)),
        key=lambda need: need.source,
    )
    return [_line_words(need) for need in lines]


def _asks(need: SourcedNeed, location: str, capability: str, window: tuple[date, date]) -> bool:
    return (
        (need.location, need.capability) == (location, capability)
        and need.first <= window[1]
        and window[0] <= need.last
        and need.source.startswith("RFA-")
    )


def _line_words(need: SourcedNeed) -> str:
    if need.filled == 0:
        return f"{need.required:,} approved on {need.source}, no unit filled for them yet"
    if need.filled < need.required:
        return f"{need.required:,} approved on {need.source}, only {need.filled:,} filled"
    return f"{need.required:,} approved on {need.source}, filled"


def _caps_reached(
    scenario: Scenario, plan: PlanDocument, placeable: list[Unit], window: tuple[date, date]
) -> str | None:
    """The first cap over the placeable units' components that is at its limit on a day of
    `window`, in words; None when none is."""
    components = {unit.component for unit in placeable}
    strength = {unit.id: unit for unit in scenario.units}
    for cap in scenario.caps:
        if cap.component is not None and cap.component not in components:
            continue
        start, end = cap.from_ or scenario.start, cap.to or scenario.end
        first, last = max(start, window[0]), min(end, window[1])
        day = first
        while day <= last:
            deployed = sum(
                strength[stay.unit].strength
                for stay in plan.deployments
                if stay.unit in strength
                and stay.from_ <= day <= stay.to
                and (cap.component is None or strength[stay.unit].component is cap.component)
            )
            if deployed >= cap.max_personnel:
                who = cap.component.value if cap.component else "all"
                return (
                    f"the cap of {cap.max_personnel:,} ({who}) is reached on "
                    f"{day:%d %b %Y}, so no more may deploy"
                )
            day += timedelta(days=1)
    return None
