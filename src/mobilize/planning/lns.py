"""Large neighbourhood search, for scenarios too big to solve as one model.

Start from the greedy plan. Repeatedly free a neighbourhood — the units of one capability
around a few locations where the plan is short or over-covered, or every unit at a few
locations — keep every other unit as it is (its coverage and cap usage become constants),
solve that small model with the same staged objective, and keep the result when the whole
plan is lexicographically better. Each step can only improve the plan, so the result is never
worse than greedy at the first level that differs.

Honesty: a neighbourhood's optimum is not the problem's. The bound reported is a valid lower
bound on shortfall person-days: the highest of counting who could possibly be where (`bounds`)
and, when given, the capabilities solved alone without caps (`decompose`) or an LP of units'
days with the caps linking them (`flow_bound`). Lower levels carry no bound, and the status
is `optimal` only when the plan's shortfall meets that bound and no level below is claimed.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from mobilize.planning.bounds import shortfall_lower_bound
from mobilize.planning.budget import Budget
from mobilize.planning.evaluate import Deployment, counts_towards, coverage, gaps, plan_score
from mobilize.planning.hints import extract_deployments, hint_deployments
from mobilize.planning.instance import PlanningInstance, PlanningUnit
from mobilize.planning.model import Background, build_model
from mobilize.planning.rules import cap_in_force_within
from mobilize.planning.schemas import SolverDocument, StageDocument
from mobilize.planning.segments import Segment
from mobilize.planning.staged import Progress, ProgressListener, SolverConfig, staged_solve
from mobilize.planning.trim import trim_excess

# The bounds the search reports, the highest of them (`SolverDocument.bound_source`).
COUNTING = "counting who could be where"
CAPABILITIES_ALONE = "each capability alone, caps dropped"
UNITS_DAYS_LP = "an LP of units' days, caps linking"
MAX_FREE_UNITS = 60
# Wall clock kept for writing the plan and its reasons, which grows with the scenario
# (docs/benchmarks.md, "Figures behind the settings").
RESERVE_SECONDS = 4.0
LOCATION_WINDOW = 3


@dataclass(frozen=True)
class KnownBound:
    """A valid shortfall bound found before the search, and what gave it."""

    value: int
    source: str


@dataclass(frozen=True)
class Neighbourhood:
    name: str
    units: frozenset[str]
    locations: frozenset[str]


def solve_by_neighbourhoods(
    instance: PlanningInstance,
    parts: list[Segment],
    start: tuple[Deployment, ...],
    config: SolverConfig,
    listener: ProgressListener | None = None,
    began: float | None = None,
    known_bound: KnownBound | None = None,
    budget: Budget | None = None,
) -> tuple[tuple[Deployment, ...], SolverDocument]:
    """`began`: when the whole solve started; `known_bound`: a valid shortfall bound found
    beforehand (`solve.known_shortfall_bound`), used when higher than counting; `budget`: the
    whole solve's (what it has spent already counts), by default `config`'s."""
    began = time.perf_counter() if began is None else began
    budget = config.budget() if budget is None else budget
    rng = random.Random(config.seed)
    counted = shortfall_lower_bound(instance)
    known = known_bound or KnownBound(0, CAPABILITIES_ALONE)
    bound = max(known.value, counted)
    source = COUNTING if counted >= known.value else known.source
    incumbent = [start]  # read by the neighbourhood generator as the plan improves
    current, score = start, plan_score(instance, start)
    tried = improved = 0
    per_step = max(2.0, budget.limit / 25)
    for neighbourhood in _neighbourhoods(instance, rng, lambda: incumbent[0]):
        available = _available(budget)
        if available < 1.0 or config.stopped:
            break
        tried += 1
        step = budget.part(min(per_step, available))
        candidate = _reoptimise(instance, parts, current, neighbourhood, config, step)
        if candidate is not None:
            candidate_score = plan_score(instance, candidate)
            if candidate_score < score:
                current, score, improved = candidate, candidate_score, improved + 1
                incumbent[0] = current
        if listener is not None:
            listener(
                Progress("shortfall (neighbourhoods)", time.perf_counter() - began, score[0], bound)
            )
    trimmed = trim_excess(instance, current)
    if plan_score(instance, trimmed) < score:
        current, score = trimmed, plan_score(instance, trimmed)
    seconds = round(time.perf_counter() - began, 3)
    status = "optimal" if score[0] == bound else "feasible"
    gap = (score[0] - bound) / max(1, abs(score[0]))
    return current, SolverDocument(
        name="cp-sat",
        status="feasible",
        seconds=seconds,
        objective=score[0],
        bound=bound,
        gap=round(gap, 6),
        stages=[
            StageDocument(
                level="shortfall", status=status, seconds=seconds, objective=score[0], bound=bound
            )
        ],
        method=f"large neighbourhood search: {tried} neighbourhoods, {improved} improvements",
        bound_source=source,
    )


def _available(budget: Budget) -> float:
    """What the next neighbourhood may spend. Both modes keep a few seconds of wall clock for
    writing the plan and its reasons; in repeatable mode running into them is the safety
    stop, and is recorded as such."""
    if not budget.repeatable:
        return budget.remaining() - RESERVE_SECONDS
    if budget.seconds_left() < RESERVE_SECONDS:
        budget.stopped_by_clock = True
        return 0.0
    return budget.remaining()


def _reoptimise(
    instance: PlanningInstance,
    parts: list[Segment],
    current: tuple[Deployment, ...],
    neighbourhood: Neighbourhood,
    config: SolverConfig,
    budget: Budget,
) -> tuple[Deployment, ...] | None:
    free = tuple(unit for unit in instance.units if unit.id in neighbourhood.units)
    fixed = tuple(d for d in current if d.unit not in neighbourhood.units)
    built = build_model(
        instance,
        parts,
        units=free,
        background=background_of(instance, parts, fixed),
        fresh_locations=set(neighbourhood.locations),
    )
    hint_deployments(built, tuple(d for d in current if d.unit in neighbourhood.units))
    began = time.perf_counter()
    _, values = staged_solve(built, replace(config, probing=False), budget, began)
    if values is None:
        return None
    return tuple(sorted(fixed + extract_deployments(built, values)))


def background_of(
    instance: PlanningInstance, parts: list[Segment], fixed: tuple[Deployment, ...]
) -> Background:
    """Coverage of fixed units on segments they fill; cap usage on segments they touch
    (counting a partly present unit against the cap is the safe side)."""
    covered: Counter[tuple[str, str, int]] = Counter()
    cap_usage: Counter[tuple[int, int]] = Counter()
    for deployment in fixed:
        unit = instance.unit_by_id[deployment.unit]
        for segment in parts:
            if segment.last < deployment.first or segment.first > deployment.last:
                continue
            whole = deployment.first <= segment.first and segment.last <= deployment.last
            if whole and counts_towards(instance, unit):
                covered[(deployment.location, unit.capability, segment.index)] += unit.strength
            for cap in instance.caps:
                if cap.applies_to(unit.component) and cap_in_force_within(
                    cap, segment.first, segment.last
                ):
                    cap_usage[(cap.index, segment.index)] += unit.strength
    return Background(covered=dict(covered), cap_usage=dict(cap_usage))


def _neighbourhoods(
    instance: PlanningInstance, rng: random.Random, current: Callable[[], tuple[Deployment, ...]]
) -> Iterator[Neighbourhood]:
    """Rounds of neighbourhoods: first where the plan is short, then every capability around
    every few locations, then every unit at a few locations; over and over."""
    locations = sorted(instance.locations)
    windows = [
        frozenset(locations[i : i + LOCATION_WINDOW])
        for i in range(0, max(1, len(locations) - LOCATION_WINDOW + 1))
    ]
    capabilities = sorted({unit.capability for unit in instance.units})
    while True:
        plan = current()
        short_cells = _short_cells(instance, plan)
        for _ in range(len(capabilities)):
            yield _trade_neighbourhood(instance, current(), rng)
        for capability in capabilities:
            yield _capability_neighbourhood(
                instance, current(), capability, frozenset(locations), rng
            )
        rounds = [(cap, window) for cap in capabilities for window in windows]
        rng.shuffle(rounds)
        rounds.sort(key=lambda item: -sum(short_cells.get((loc, item[0]), 0) for loc in item[1]))
        for capability, window in rounds:
            yield _capability_neighbourhood(instance, current(), capability, window, rng)
        for window in rng.sample(windows, len(windows)):
            yield _place_neighbourhood(instance, plan, window, rng)


def _trade_neighbourhood(
    instance: PlanningInstance, plan: tuple[Deployment, ...], rng: random.Random
) -> Neighbourhood:
    """Units where the plan is short together with units where it has people to spare, so
    that room under a shared cap can move from one place to the other."""
    covered = coverage(instance, plan)
    short = _short_cells(instance, plan)
    spare: Counter[tuple[str, str]] = Counter()
    for key, row in covered.items():
        demand = instance.demand.get(key, (0,) * instance.horizon)
        spare[key] = sum(max(0, have - need) for have, need in zip(row, demand, strict=True))
    wanted = [cell for cell, _ in Counter(short).most_common(4)]
    offered = [cell for cell, _ in spare.most_common(8)]
    cells = set(wanted) | set(rng.sample(offered, min(4, len(offered))))
    where = _where(plan)
    candidates = [
        unit
        for unit in instance.units
        if (where.get(unit.id, unit.location), unit.capability) in cells
        or (
            unit.location is None
            and unit.id not in where
            and any(c == unit.capability for _, c in wanted)
        )
    ]
    chosen = _limit(candidates, where, rng)
    locations = frozenset(location for location, _ in cells)
    return Neighbourhood("trade between short and spare", chosen, locations)


def _short_cells(
    instance: PlanningInstance, plan: tuple[Deployment, ...]
) -> dict[tuple[str, str], int]:
    missing: Counter[tuple[str, str]] = Counter()
    for gap in gaps(instance, coverage(instance, plan)):
        missing[(gap.location, gap.capability)] += gap.missing
    return dict(missing)


def _where(plan: tuple[Deployment, ...]) -> dict[str, str]:
    return {deployment.unit: deployment.location for deployment in plan}


def _capability_neighbourhood(
    instance: PlanningInstance,
    plan: tuple[Deployment, ...],
    capability: str,
    window: frozenset[str],
    rng: random.Random,
) -> Neighbourhood:
    where = _where(plan)
    candidates = [
        unit
        for unit in instance.units
        if unit.capability == capability and _free_in(unit, where, window)
    ]
    chosen = _limit(candidates, where, rng)
    return Neighbourhood(f"{capability} at {', '.join(sorted(window))}", chosen, window)


def _place_neighbourhood(
    instance: PlanningInstance,
    plan: tuple[Deployment, ...],
    window: frozenset[str],
    rng: random.Random,
) -> Neighbourhood:
    where = _where(plan)
    candidates = [unit for unit in instance.units if _free_in(unit, where, window)]
    chosen = _limit(candidates, where, rng)
    return Neighbourhood(f"all at {', '.join(sorted(window))}", chosen, window)


def _free_in(unit: PlanningUnit, where: dict[str, str], window: frozenset[str]) -> bool:
    """A unit belongs to a neighbourhood when it is (or was on start) in one of its
    locations, or is a fresh unit not yet used anywhere."""
    if unit.location is not None:
        return unit.location in window
    placed = where.get(unit.id)
    return placed is None or placed in window


def _limit(
    candidates: list[PlanningUnit], where: dict[str, str], rng: random.Random
) -> frozenset[str]:
    """At most MAX_FREE_UNITS: units in place first, then a sample of unused fresh ones."""
    placed = [unit.id for unit in candidates if unit.id in where or unit.location is not None]
    unused = [unit.id for unit in candidates if unit.id not in placed]
    room = max(0, MAX_FREE_UNITS - len(placed))
    chosen = rng.sample(placed, min(len(placed), MAX_FREE_UNITS)) + rng.sample(
        unused, min(len(unused), room)
    )
    return frozenset(chosen)
