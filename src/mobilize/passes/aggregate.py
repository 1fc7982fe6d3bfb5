"""The pass problem of one post counted by start day: a proved upper bound, and plans that meet it.

Of a post's passes the first level (weighted person-days at home) sees only `T[s]`, the
personnel whose pass starts on window day s: the post's days at home are
`sum(value(s) * T[s])` and the people away on day d are the T[s] of the `length` starts up to d.
Group the post's blocks by the start days they may use (an interval: the unit's deployment
inside the window); every pass plan of the post gives whole numbers `y[g, s]`, the personnel
of group g starting on s, with

- for every group: its y[g, s] sum to at most its personnel (a block takes at most one pass,
  on a start day it may use);
- for every day d: the T[s] = sum of y[g, s] away on d sum to at most the post's slack on d
  (its coverage rule).

Maximising the days at home over those y is therefore an upper bound on the post's best plan
(`start_totals`). It relaxes only that a block's people go together, so it is as tight as the
LP of the full model (it is that LP, with whole people), and it is small however many units
the post has: a dozen start days times the few distinct start windows, solved exactly by
CP-SAT in milliseconds. On the benchmark's posts it almost always equals the proved optimum
(docs/benchmarks.md, "Figures behind the settings").

A plan meets the bound when blocks can be chosen for each start day that add up to exactly
T[s]: a subset sum per start day (`meet_totals`), solved with bitsets. The bound is reached by
many T, and whole blocks make some of them and not others, so a few vertices are tried
(`other_totals`). When one is met the plan's first level is proved optimal without searching.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from mobilize.passes.evaluate import Pass, weighted_days_home
from mobilize.passes.instance import PassInstance, PassUnit

Slack = tuple[int, ...] | None  # a post's room per window day; None: no coverage rule
# Attempts per post at meeting its bound, each on another vertex of it; from attempt
# RANDOM_TIES on, ties between blocks are broken at random rather than by distance. Most posts
# meet their bound at the first attempt, some only with random ties; posts whose optimum is
# below their bound never can, so more attempts only cost time (docs/benchmarks.md).
TRIES = 60
# Units free every day share totals in `whole_block_bound` only when they have more blocks than
# this: with fewer, keeping them whole is cheap and exact.
SHARED_BLOCKS = 12
# A safety limit: the whole-block bound is solved far faster (docs/benchmarks.md).
WHOLE_BLOCK_SECONDS = 1.0
RANDOM_TIES = 30


@dataclass(frozen=True)
class Block:
    unit: str
    personnel: int
    first: int  # first and last window day a pass of this block may start
    last: int
    distance_km: float


@dataclass(frozen=True)
class StartTotals:
    """The bound on a post's weighted person-days at home, and start totals that reach it."""

    bound: int
    totals: tuple[int, ...]  # personnel starting a pass on each window start day


def blocks_of(units: tuple[PassUnit, ...]) -> list[Block]:
    return [
        Block(unit.id, size, unit.starts[0], unit.starts[-1], unit.distance_km)
        for unit in units
        for size in unit.blocks
    ]


def start_totals(instance: PassInstance, units: tuple[PassUnit, ...], slack: Slack) -> StartTotals:
    """The upper bound of the module's docstring for `units`, all of one post (`slack` its
    room per day) or one unit that does not count towards coverage (`slack` None)."""
    built = _TotalsModel(instance, units, slack)
    built.model.maximize(built.value)
    return built.solved()


def other_totals(
    instance: PassInstance, units: tuple[PassUnit, ...], slack: Slack, bound: int, seed: int
) -> StartTotals:
    """Another vertex of the start totals reaching `bound`: the bound is often met by some
    totals and not by others (whole blocks cannot make every sum), so the planner tries a few,
    each the extreme of a random direction."""
    built = _TotalsModel(instance, units, slack)
    built.model.add(built.value == bound)
    rng = random.Random(seed)
    built.model.minimize(sum(rng.randint(-5, 5) * total for total in built.totals))
    return built.solved()


class _TotalsModel:
    """Start totals as the sum of personnel shares of blocks alike in the start days they may
    use, so the totals can be met by the blocks at least in fractions (the interval rows of
    the docstring alone would allow totals on start days no block may use together)."""

    def __init__(self, instance: PassInstance, units: tuple[PassUnit, ...], slack: Slack):
        windows: dict[tuple[int, int], int] = defaultdict(int)  # personnel per start window
        for block in blocks_of(units):
            windows[(block.first, block.last)] += block.personnel
        self.model = cp_model.CpModel()
        starting: dict[int, list[cp_model.LinearExprT]] = defaultdict(list)
        for (first, last), personnel in windows.items():
            days = range(first, last + 1)
            shares = [self.model.new_int_var(0, personnel, f"y[{first},{last},{s}]") for s in days]
            self.model.add(sum(shares) <= personnel)
            for start, share in zip(days, shares, strict=True):
                starting[start].append(share)
        self.totals, self.value = _within_room(self.model, instance, starting, slack)

    def solved(self) -> StartTotals:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        status = solver.solve(self.model)
        if status != cp_model.OPTIMAL:  # a few hundred integers, LP-like: cannot happen
            raise RuntimeError(f"start totals not solved: {solver.status_name(status)}")
        return StartTotals(
            bound=round(solver.value(self.value)),
            totals=tuple(round(solver.value(total)) for total in self.totals),
        )


def whole_block_bound(
    instance: PassInstance,
    units: tuple[PassUnit, ...],
    slack: Slack,
    time_limit: float = WHOLE_BLOCK_SECONDS,
) -> int | None:
    """A bound, most often below `start_totals`': the units that may start a pass on any day of
    the window share one personnel total per start day, as there (unless they have few blocks
    between them: then they are kept whole too, and the bound, solved to the end, is the
    optimum); every other unit's blocks are kept whole (counted per size and start day, as in
    the full model). Those units' few blocks and start days are where the shares of
    `start_totals` split blocks most; keeping them whole costs a few dozen integers more and
    often gives the optimum itself. Limited to `time_limit` (its bound is valid at any time);
    None when CP-SAT gives no answer in it."""
    every_day = tuple(range(instance.window - instance.length + 1))
    shared = [unit for unit in units if unit.starts == every_day]
    if sum(len(unit.blocks) for unit in shared) <= SHARED_BLOCKS:
        shared = []  # few: kept whole like the others
    model = cp_model.CpModel()
    starting: dict[int, list[cp_model.LinearExprT]] = defaultdict(list)
    if shared:
        anywhen = sum(unit.strength for unit in shared)
        shares = [model.new_int_var(0, anywhen, f"y[{start}]") for start in every_day]
        model.add(sum(shares) <= anywhen)
        for start, share in zip(every_day, shares, strict=True):
            starting[start].append(share)
    for unit in units:
        if unit in shared:
            continue
        for size, blocks in unit.block_sizes:
            counts = [model.new_int_var(0, blocks, f"n[{unit.id},{size},{s}]") for s in unit.starts]
            model.add(sum(counts) <= blocks)
            for start, count in zip(unit.starts, counts, strict=True):
                starting[start].append(size * count)
    _, value = _within_room(model, instance, starting, slack)
    model.maximize(value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None  # no answer in time: no tighter bound
    # Proved whether or not solved to the end. CP-SAT may give a whole bound as a float just
    # under it (199.99999999999997), so it is rounded, not floored, below a tolerance.
    return math.floor(solver.best_objective_bound + 1e-6)


def _within_room(
    model: cp_model.CpModel,
    instance: PassInstance,
    starting: dict[int, list[cp_model.LinearExprT]],
    slack: Slack,
) -> tuple[list[cp_model.LinearExprT], cp_model.LinearExprT]:
    """The personnel starting on each start day (the sum of `starting`'s terms), held within
    the post's room on every day, and the weighted days at home they give."""
    starts = range(instance.window - instance.length + 1)
    totals = [sum(starting[start]) for start in starts]
    if slack is not None:
        for day in range(instance.window):
            away = [totals[s] for s in starts if s <= day < s + instance.length]
            model.add(sum(away) <= slack[day])
    return totals, sum(instance.value(start) * totals[start] for start in starts)


def passes_meeting_bound(
    instance: PassInstance,
    units: tuple[PassUnit, ...],
    slack: Slack,
    deadline: float = math.inf,
    tries: int = TRIES,
) -> tuple[int, list[Pass]]:
    """The post's bound, and the best passes `meet_totals` makes in up to `tries` attempts
    (none started after `deadline` but the first) over start totals reaching `start_totals`'
    bound. When the first attempt falls short, the bound becomes the lower of that and
    `whole_block_bound`: when that is lower no start totals can be met, so the attempts stop
    (as they do when the bound is met)."""
    blocks = blocks_of(units)
    first = start_totals(instance, units, slack)
    bound = first.bound
    best: list[Pass] = []
    best_value = -1
    for attempt in range(tries):
        if attempt > 0 and time.perf_counter() >= deadline:
            break
        totals = (
            first if attempt == 0 else other_totals(instance, units, slack, first.bound, attempt)
        )
        ties = random.Random(attempt) if attempt >= RANDOM_TIES else None
        passes = meet_totals(instance, blocks, totals.totals, ties)
        value = weighted_days_home(instance, passes)
        if value > best_value:
            best, best_value = passes, value
        if attempt == 0 and value < bound:
            left = min(WHOLE_BLOCK_SECONDS, deadline - time.perf_counter())
            whole = whole_block_bound(instance, units, slack, left)
            bound = bound if whole is None else min(bound, whole)
        if best_value >= bound or bound < first.bound:
            break
    return bound, best


def meet_totals(
    instance: PassInstance,
    blocks: list[Block],
    totals: tuple[int, ...],
    ties: random.Random | None = None,
) -> list[Pass]:
    """Passes whose personnel per start day are exactly `totals` where subset sums allow
    (less where they do not). Start days are filled in order, each by a subset sum over the
    blocks still free that may start then, preferring (`_preference`) blocks with few chances
    left, then blocks whose unit has no block away yet, then nearer homes (or, given `ties`,
    at random: another subset, when the nearest homes' leave a later day's sum unmade)."""
    free = list(blocks)
    granted: list[Pass] = []
    away_until: dict[str, int] = {}  # per unit, the last day a block of it is away so far
    for start, total in enumerate(totals):
        if total <= 0:
            continue
        able = _preference(
            [block for block in free if block.first <= start <= block.last],
            start,
            away_until,
            ties,
        )
        chosen = _subset_nearest(able, total)
        for block in chosen:
            granted.append(Pass(block.unit, start, block.personnel))
            away_until[block.unit] = start + instance.length - 1
        taken = {id(block) for block in chosen}
        free = [block for block in free if id(block) not in taken]
    return granted


def _preference(
    blocks: list[Block], start: int, away_until: dict[str, int], ties: random.Random | None
) -> list[Block]:
    """Blocks in the order a subset sum should prefer them for a pass starting on `start`:
    the soonest last chance first (blocks with few chances are used while they can be), then
    units with no block away on `start`, then a unit's first free block before its second
    (so one start day takes blocks of different units: the second level), nearer homes first."""
    seen: dict[str, int] = defaultdict(int)
    ranked = []
    for block in sorted(blocks, key=lambda b: (b.distance_km, b.unit, -b.personnel)):
        busy = away_until.get(block.unit, -1) >= start
        tie = ties.random() if ties is not None else block.distance_km
        ranked.append(((block.last, busy, seen[block.unit], tie), block))
        seen[block.unit] += 1
    ranked.sort(key=lambda pair: pair[0])
    return [block for _, block in ranked]


def _subset_nearest(blocks: list[Block], target: int) -> list[Block]:
    """Blocks whose personnel sum to the largest total not above `target`, preferring the
    earliest blocks of the list. `reach[k]` is a bitset of the sums the first k blocks make."""
    mask = (1 << (target + 1)) - 1
    reach = [1]
    for block in blocks:
        reach.append((reach[-1] | (reach[-1] << block.personnel)) & mask)
    best = reach[-1].bit_length() - 1
    chosen = []
    for index in range(len(blocks), 0, -1):
        if best == 0:
            break
        if not (reach[index - 1] >> best) & 1:  # the sum needs block index - 1
            chosen.append(blocks[index - 1])
            best -= blocks[index - 1].personnel
    return chosen
