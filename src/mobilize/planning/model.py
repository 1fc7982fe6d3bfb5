"""The CP-SAT model of the drawdown and rotation problem, one function per rule.

Presence is decided per segment (see `segments`): `present[u, l, k]` says unit u is at
location l throughout segment k. A unit deployed on start can only be at its location, and
its presence is a prefix of the segments (it stays until withdrawn). A fresh unit is offered
only the locations that ever need its capability (elsewhere it could only add excess), and
its presence is one run of segments: it starts at most once.

The objective levels are linear expressions kept in `levels`, in the order of the contract:
shortfall person-days, excess person-days, moves, transport person-km, seniority (keeping
long-deployed units costs more, so that among equals they go home first).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from mobilize.planning.bounds import least_shortfall_by_day
from mobilize.planning.evaluate import counts_towards
from mobilize.planning.instance import PlanningInstance, PlanningUnit
from mobilize.planning.segments import Segment

LEVELS = ("shortfall", "excess", "moves", "transport", "seniority")
# A re-plan's extra level: unit-days placed differently from the adopted plan. It comes after
# excess so that people the data no longer needs (a task done early) can still go home; among
# plans that cover and release alike, the one closest to the published plan wins, and every
# other unit keeps its orders (Brown, Dell and Wood, "Optimization and persistence", 1997).
PERSISTENCE = "persistence"


def level_order(instance: PlanningInstance) -> tuple[str, ...]:
    """The lexicographic levels of this problem, persistence included for a re-plan."""
    if not instance.previous:
        return LEVELS
    return (*LEVELS[:2], PERSISTENCE, *LEVELS[2:])


Cell = tuple[str, str]  # (location, capability)


@dataclass(frozen=True)
class Background:
    """What the units left out of a sub-model contribute, fixed: coverage per (location,
    capability, segment) and personnel per (cap, segment). Empty for the whole problem."""

    covered: dict[tuple[str, str, int], int] = field(default_factory=dict)
    cap_usage: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class DeploymentModel:
    instance: PlanningInstance
    segments: list[Segment]
    units: tuple[PlanningUnit, ...] = ()
    background: Background = field(default_factory=Background)
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    present: dict[tuple[str, str, int], cp_model.IntVar] = field(default_factory=dict)
    starts: dict[tuple[str, str, int], cp_model.IntVar] = field(default_factory=dict)
    # a fresh unit's choice of location: (unit, location) -> variable
    at: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    # the same variables indexed by unit: (location, segment) -> variable
    presence_of: dict[str, dict[tuple[str, int], cp_model.IntVar]] = field(default_factory=dict)
    starts_of: dict[str, dict[tuple[str, int], cp_model.IntVar]] = field(default_factory=dict)
    shortfall: dict[tuple[str, str, int], cp_model.IntVar] = field(default_factory=dict)
    # what each shortfall variable's cell needs in its segment, beyond the background
    required: dict[tuple[str, str, int], int] = field(default_factory=dict)
    levels: dict[str, cp_model.LinearExprT] = field(default_factory=dict)
    # each level's part per capability: level -> capability -> expression
    by_capability: dict[str, dict[str, cp_model.LinearExprT]] = field(default_factory=dict)

    @property
    def last_segment(self) -> int:
        return len(self.segments) - 1

    def unit_presence(self, unit_id: str) -> dict[tuple[str, int], cp_model.IntVar]:
        return self.presence_of.get(unit_id, {})

    def add_presence(self, unit_id: str, location: str, k: int, var: cp_model.IntVar) -> None:
        self.present[(unit_id, location, k)] = var
        self.presence_of.setdefault(unit_id, {})[(location, k)] = var

    def add_start(self, unit_id: str, location: str, k: int, var: cp_model.IntVar) -> None:
        self.starts[(unit_id, location, k)] = var
        self.starts_of.setdefault(unit_id, {})[(location, k)] = var


def build_model(
    instance: PlanningInstance,
    segments: list[Segment],
    units: tuple[PlanningUnit, ...] | None = None,
    background: Background | None = None,
    fresh_locations: set[str] | None = None,
) -> DeploymentModel:
    """The model of `units` (all by default), the others fixed as `background`; fresh units
    go only to `fresh_locations` when given."""
    built = DeploymentModel(instance, segments, units if units is not None else instance.units)
    if background is not None:
        built.background = background
    needed_at = _locations_needing(instance)
    for unit in built.units:
        if unit.location is not None:
            _add_deployed_unit(built, unit)
            continue
        places = needed_at.get(unit.capability, [])
        if fresh_locations is not None:
            places = [place for place in places if place in fresh_locations]
        _add_fresh_unit(built, unit, places)
    _add_caps(built)
    _add_coverage_and_shortfall(built)
    if background is None:
        _add_shortfall_floors(built)
    _add_objective_levels(built)
    _break_symmetry(built)
    return built


def _locations_needing(instance: PlanningInstance) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for (location, capability), demand in instance.demand.items():
        if any(demand):
            found[capability].add(location)
    return {capability: sorted(locations) for capability, locations in found.items()}


def _segments_within(built: DeploymentModel, first: int, last: int) -> list[Segment]:
    return [s for s in built.segments if s.first >= first and s.last <= last]


def _add_deployed_unit(built: DeploymentModel, unit: PlanningUnit) -> None:
    """Present from day 0 at its location until withdrawn, never past its maximum."""
    assert unit.location is not None
    previous = None
    for segment in _segments_within(built, 0, unit.latest_last):
        var = built.model.new_bool_var(f"p[{unit.id},{segment.index}]")
        built.add_presence(unit.id, unit.location, segment.index, var)
        if previous is not None:
            built.model.add_implication(var, previous)  # once withdrawn, gone
        previous = var


def _add_fresh_unit(built: DeploymentModel, unit: PlanningUnit, locations: list[str]) -> None:
    """At most one run of segments at one location, within availability and maximum length.

    One choice per location and at most one start there keep the cliques small: a single
    at-most-one over every (location, segment) start made CP-SAT's probing explode.
    """
    window = _segments_within(built, unit.earliest_first, unit.latest_last)
    if not window or not locations:
        return
    model = built.model
    chosen = []
    length_terms = []
    for location in locations:
        here = model.new_bool_var(f"at[{unit.id},{location}]")
        built.at[(unit.id, location)] = here
        chosen.append(here)
        starts_here = []
        previous = None
        for segment in window:
            var = model.new_bool_var(f"p[{unit.id},{location},{segment.index}]")
            start = model.new_bool_var(f"s[{unit.id},{location},{segment.index}]")
            built.add_presence(unit.id, location, segment.index, var)
            built.add_start(unit.id, location, segment.index, start)
            model.add_implication(var, here)
            model.add_implication(start, var)
            # presence begins only where a start is: once started, a gap would need a second start
            model.add(var <= (start if previous is None else previous + start))
            previous = var
            starts_here.append(start)
            length_terms.append(segment.length * var)
        model.add(sum(starts_here) <= here)
    model.add_at_most_one(chosen)
    model.add(sum(length_terms) <= unit.max_days)


def _add_caps(built: DeploymentModel) -> None:
    units = built.instance.unit_by_id
    by_segment: dict[int, list[tuple[PlanningUnit, cp_model.IntVar]]] = defaultdict(list)
    for (unit_id, _, k), var in built.present.items():
        by_segment[k].append((units[unit_id], var))
    for cap in built.instance.caps:
        for segment in _segments_within(built, cap.first, cap.last):
            terms = [
                u.strength * var
                for u, var in by_segment[segment.index]
                if cap.applies_to(u.component)
            ]
            used = built.background.cap_usage.get((cap.index, segment.index), 0)
            if terms:
                built.model.add(sum(terms) <= cap.max_personnel - used)


def _cell_presence(
    built: DeploymentModel,
) -> dict[tuple[str, str, int], list[tuple[int, cp_model.IntVar]]]:
    units = built.instance.unit_by_id
    cells: dict[tuple[str, str, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (unit_id, location, k), var in built.present.items():
        unit = units[unit_id]
        if counts_towards(built.instance, unit):
            cells[(location, unit.capability, k)].append((unit.strength, var))
    return cells


def _add_coverage_and_shortfall(built: DeploymentModel) -> None:
    """shortfall >= required - covered, per cell and segment (required is constant inside)."""
    cells = _cell_presence(built)
    for (location, capability), demand in built.instance.demand.items():
        for segment in built.segments:
            fixed = built.background.covered.get((location, capability, segment.index), 0)
            required = demand[segment.first] - fixed
            if required <= 0:
                continue
            covered = sum(
                strength * var
                for strength, var in cells.get((location, capability, segment.index), [])
            )
            short = built.model.new_int_var(
                0, required, f"short[{location},{capability},{segment.index}]"
            )
            built.model.add(short + covered >= required)
            built.shortfall[(location, capability, segment.index)] = short
            built.required[(location, capability, segment.index)] = required


def _add_shortfall_floors(built: DeploymentModel) -> None:
    """Each segment's shortfall is at least what counting who could be there proves
    (`bounds`): redundant, but it gives the relaxation the cap's knapsack it misses."""
    by_segment: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (_, _, k), var in built.shortfall.items():
        by_segment[k].append(var)
    floors = least_shortfall_by_day(built.instance, [segment.first for segment in built.segments])
    for segment in built.segments:
        floor = floors[segment.first]
        if floor > 0:
            built.model.add(sum(by_segment[segment.index]) >= floor)


def _add_objective_levels(built: DeploymentModel) -> None:
    """Every level is a sum over capabilities (cells and units each have one); the parts are
    kept in `by_capability`, for the bounds of `decompose`."""
    instance, segments = built.instance, built.segments
    units = instance.unit_by_id
    terms: dict[str, dict[str, list[cp_model.LinearExprT]]] = {
        level: defaultdict(list) for level in LEVELS
    }
    for (_, capability, k), var in built.shortfall.items():
        terms["shortfall"][capability].append(segments[k].length * var)
    for (u, _, k), var in built.present.items():
        unit = units[u]
        if counts_towards(instance, unit):
            terms["excess"][unit.capability].append(unit.strength * segments[k].length * var)
        if unit.days_before_start > 0:
            terms["seniority"][unit.capability].append(
                unit.days_before_start * segments[k].length * var
            )
    # excess = covered - required + shortfall, summed over cells and days
    for (_, capability), row in instance.demand.items():
        terms["excess"][capability].append(-sum(row))
    for capability, shortfall_terms in terms["shortfall"].items():
        terms["excess"][capability].extend(shortfall_terms)
    _move_terms(built, terms["moves"], terms["transport"])
    built.by_capability = {
        level: {capability: sum(parts) for capability, parts in by_capability.items()}
        for level, by_capability in terms.items()
    }
    for level in LEVELS:
        built.levels[level] = sum(built.by_capability[level].values())
    if instance.previous:
        built.levels[PERSISTENCE] = _departures(built)


def _departures(built: DeploymentModel) -> cp_model.LinearExprT:
    """Unit-days where the plan differs from the adopted one: a day the unit was at a
    location and no longer is, or is and was not."""
    before: dict[tuple[str, str, int], int] = defaultdict(int)
    for stay in built.instance.previous:
        for segment in built.segments:
            overlap = min(stay.last, segment.last) - max(stay.first, segment.first) + 1
            if overlap > 0:
                before[(stay.unit, stay.location, segment.index)] += overlap
    terms: list[cp_model.LinearExprT] = []
    for (unit, location, k), var in built.present.items():
        days = before.pop((unit, location, k), 0)
        terms.append(days + (built.segments[k].length - 2 * days) * var)
    terms.extend(before.values())  # where the unit can no longer be at all
    return sum(terms)


def _move_terms(
    built: DeploymentModel,
    moves: dict[str, list[cp_model.LinearExprT]],
    transport: dict[str, list[cp_model.LinearExprT]],
) -> None:
    """Actions and their person-km, per capability: a withdrawal unless present in the last
    segment, a deployment for every fresh unit that starts."""
    instance, last = built.instance, built.last_segment
    for unit in built.units:
        presence = built.unit_presence(unit.id)
        if unit.location is not None:
            km = round(unit.strength * instance.distance_km(unit, unit.location))
            stays = presence.get((unit.location, last))
            withdrawn = 1 if stays is None else 1 - stays
            moves[unit.capability].append(withdrawn)
            transport[unit.capability].append(km * withdrawn)
            continue
        for location in {loc for loc, _ in presence}:
            km = round(unit.strength * instance.distance_km(unit, location))
            started = sum(
                var for (loc, _), var in built.starts_of[unit.id].items() if loc == location
            )
            stays = presence.get((location, last))
            actions = 2 * started - (stays if stays is not None else 0)
            moves[unit.capability].append(actions)
            transport[unit.capability].append(km * actions)


def _break_symmetry(built: DeploymentModel) -> None:
    """Interchangeable units are used in a fixed order, so the search sees one of each set."""
    groups: dict[tuple[object, ...], list[PlanningUnit]] = defaultdict(list)
    for unit in built.units:
        key = (
            unit.capability,
            unit.component,
            unit.strength,
            unit.home,
            unit.location,
            unit.earliest_first,
            unit.latest_last,
            unit.max_days,
            unit.days_before_start,
        )
        groups[key].append(unit)
    for members in groups.values():
        for first, second in itertools.pairwise(members):
            days_first = _presence_days(built, first.id)
            days_second = _presence_days(built, second.id)
            built.model.add(days_first >= days_second)


def _presence_days(built: DeploymentModel, unit_id: str) -> cp_model.LinearExprT:
    return sum(
        built.segments[k].length * var for (_, k), var in built.unit_presence(unit_id).items()
    )


def smallest_cover(strengths: list[int], required: int) -> int | None:
    """The smallest total of some of `strengths` that is at least `required` (subset sum)."""
    if required <= 0:
        return 0
    limit = required + max(strengths, default=0)
    reachable = 1  # bit n set: a total of n can be made
    mask = (1 << (limit + 1)) - 1
    for strength in strengths:
        reachable = (reachable | (reachable << strength)) & mask
    above = reachable >> required
    if above == 0:
        return None
    return required + (above & -above).bit_length() - 1


def add_whole_unit_cuts(built: DeploymentModel) -> None:
    """Once no shortfall is allowed, each cell's coverage is a sum of whole units at least the
    requirement: at least the smallest such sum. Valid, and it gives the LP relaxation of the
    excess level the granularity of units it otherwise lacks."""
    cells = _cell_presence(built)
    for location, capability, k in built.shortfall:
        terms = cells.get((location, capability, k), [])
        fixed = built.background.covered.get((location, capability, k), 0)
        required = built.instance.required(location, capability, built.segments[k].first) - fixed
        least = smallest_cover([strength for strength, _ in terms], required)
        if least is not None and least > required:
            built.model.add(sum(strength * var for strength, var in terms) >= least)
