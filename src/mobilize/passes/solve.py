"""Solving the pass problem: a greedy first-fit baseline, and the staged search.

Staged as the drawdown planner is (see `planning.staged`): the most weighted days at home
first, then that value held while blocks of one unit are spread out, then held again while
nearer homes are preferred. Posts (location, capability) share nothing, so each is solved on
its own and the sum of their bounds is the problem's bound: the first level by the bounds and
subset sums of `passes.aggregate`, then CP-SAT's answers for the posts still short; the later
levels by the exchanges of `passes.exchange`, then CP-SAT (`solve_passes`).
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from ortools.sat.python import cp_model

from mobilize.passes.aggregate import passes_meeting_bound
from mobilize.passes.evaluate import (
    PASS_LEVELS,
    Pass,
    away_by_cell,
    pass_score,
    weighted_days_home,
)
from mobilize.passes.exchange import exchange_passes
from mobilize.passes.instance import PassInstance, PassUnit
from mobilize.passes.model import PassModel, build_pass_model, extract_passes, hint_passes
from mobilize.planning.cpsat import configured_solver
from mobilize.planning.schemas import SolverDocument, SolverStatus, StageDocument
from mobilize.planning.staged import Progress, ProgressListener

# The part of the time limit the bounds round may use (it needs far less but on pathological
# posts), and of the time it leaves, the part the first level's questions may use; the later
# levels have the rest.
BOUNDS_SHARE = 0.3
HOME_SHARE = 0.8
FIRST_LEVEL_DONE = "passes: person-days home"  # progress reported when the first level ends
# A CP-SAT search given less time than this is not started (loading the model takes longer).
SHORTEST_SOLVE = 0.05
# Share of a batch's later-level time the exchanges of `passes.exchange` may use before CP-SAT:
# they do most of what the later levels gain (docs/benchmarks.md, "Figures behind the settings").
EXCHANGE_SHARE = 0.5
# Share of the later levels' time each may use; time a level does not use passes on.
LEVEL_SHARES = {"together": 0.5, "distance": 0.5}
# Each cell is its own model: small models are proved where one big one is not
# (docs/benchmarks.md, "Figures behind the settings"); cells of fewer units than this are
# batched, to pay CP-SAT's start-up once.
BATCH_UNITS = 10


def greedy_passes(instance: PassInstance) -> tuple[Pass, ...]:
    """What a staff does by hand: nearest homes first, each block the earliest pass that
    keeps coverage."""
    room = {cell: list(instance.slack(cell)) for cell in instance.required}
    granted: list[Pass] = []
    for unit in sorted(instance.units, key=lambda u: (u.distance_km, u.id)):
        for size in unit.blocks:
            start = _first_fit(instance, unit, size, room)
            if start is None:
                continue
            granted.append(Pass(unit.id, start, size))
            if unit.counts:
                for day in instance.days_away(start):
                    room[unit.cell][day] -= size
    return tuple(sorted(granted))


def _first_fit(
    instance: PassInstance, unit: PassUnit, size: int, room: dict[tuple[str, str], list[int]]
) -> int | None:
    for start in unit.starts:
        if not unit.counts or all(room[unit.cell][d] >= size for d in instance.days_away(start)):
            return start
    return None


def solve_passes(
    instance: PassInstance,
    time_limit: float = 10.0,
    workers: int = 8,
    seed: int = 0,
    listener: ProgressListener | None = None,
) -> tuple[tuple[Pass, ...], SolverDocument]:
    """The best passes found in `time_limit`, never worse than greedy's, with honest figures.

    In three rounds over the batches, each round's batches side by side, one thread per core
    (CP-SAT releases the interpreter while it searches): every batch's bound and the passes
    that meet it (cheap, and enough for most); a CP-SAT search of the first level for the
    batches whose passes fall short; then the later levels, the first held. Progress is
    reported from this thread."""
    began = time.perf_counter()
    deadline = began + time_limit
    hint = greedy_passes(instance)
    batches = list(_batches(instance))
    threads = max(1, min(workers, os.cpu_count() or 1, len(batches)))
    # Many small models: one search worker each did best (docs/benchmarks.md); a lone model
    # gets them all.
    per_solve = max(1, workers // threads) if len(batches) <= threads else 1
    homes = [_HomeLevel(instance, units, hint, seed) for units in batches]

    def report(stage: str) -> None:
        if listener is not None:
            home = sum(level.value for level in homes)
            bound = sum(level.bound for level in homes)
            listener(Progress(stage, time.perf_counter() - began, home, bound))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        bounds_end = began + time_limit * BOUNDS_SHARE
        list(pool.map(lambda level: level.meet_bounds(bounds_end), homes))
        report("passes: bounds met")
        short = [level for level in homes if not level.proved]
        left = deadline - time.perf_counter()
        search = _Clock(time.perf_counter() + left * HOME_SHARE, threads, _units(short))
        # Few batches are short of their bound: they share the search workers.
        each = max(1, workers // max(1, len(short)))
        list(pool.map(lambda level: level.search(search, each), short))
        report(FIRST_LEVEL_DONE)
        later = _Clock(deadline, threads, _units(homes))
        futures = [pool.submit(_later_levels, level, later, per_solve, seed) for level in homes]
        found: list[Pass] = []
        stages: list[StageDocument] = []
        for future in as_completed(futures):
            passes, batch_stages = future.result()
            found.extend(passes)
            stages.extend(batch_stages)
    report("passes: blocks apart, nearer homes")
    passes = tuple(sorted(found))
    if pass_score(instance, hint) < pass_score(instance, passes):
        passes = hint  # cannot happen: each batch starts from greedy's passes or better
    return passes, _document(stages, time.perf_counter() - began)


def _units(homes: list[_HomeLevel]) -> int:
    return sum(len(level.units) for level in homes)


class _Clock:
    """Shares what is left of a round's time among its batches not yet started, by units:
    a batch starting now may use its units' part of the time left on every thread."""

    def __init__(self, deadline: float, threads: int, units: int):
        self.deadline = deadline
        self.threads = threads
        self.units_left = units
        self.lock = threading.Lock()

    def share(self, units: int) -> float:
        with self.lock:
            left = max(0.0, self.deadline - time.perf_counter())
            share = left * self.threads * units / max(1, self.units_left)
            self.units_left -= units
        return min(share, left)


def _batches(instance: PassInstance) -> Iterator[tuple[PassUnit, ...]]:
    """Whole cells together (their units share coverage), about `BATCH_UNITS` units a batch."""
    batch: list[PassUnit] = []
    for members in _parts(instance.units).values():
        batch.extend(members)
        if len(batch) >= BATCH_UNITS:
            yield tuple(batch)
            batch = []
    if batch:
        yield tuple(batch)


def _parts(units: tuple[PassUnit, ...]) -> dict[str, tuple[PassUnit, ...]]:
    """Units that share coverage rows: a cell's counting units, or one unit that counts
    towards no coverage (an active unit on a law-enforcement need), in a stable order."""
    parts: dict[str, list[PassUnit]] = defaultdict(list)
    for unit in units:
        parts[str(unit.cell) if unit.counts else unit.id].append(unit)
    return {key: tuple(parts[key]) for key in sorted(parts)}


@dataclass
class _Part:
    """Units sharing coverage rows (`_parts`), their best passes so far and proved bound."""

    units: tuple[PassUnit, ...]
    slack: tuple[int, ...] | None
    passes: tuple[Pass, ...]
    value: int
    bound: int


class _HomeLevel:
    """The first level of one batch, part by part: the bound and passes that meet it
    (`passes.aggregate.passes_meeting_bound`); for a part they do not, CP-SAT asked whether
    passes reach values just under the bound (`_lower_bound`: each answer takes it
    hundredths of a second on most posts, where maximising takes it seconds)."""

    def __init__(
        self,
        instance: PassInstance,
        units: tuple[PassUnit, ...],
        hint: tuple[Pass, ...],
        seed: int,
    ):
        self.instance = instance
        self.units = units
        self.seed = seed
        self.seconds = 0.0
        self.parts = []
        for members in _parts(units).values():
            ids = {unit.id for unit in members}
            passes = tuple(granted for granted in hint if granted.unit in ids)
            # a part's room per day: its post's, or none for a unit counting nowhere
            slack = instance.slack(members[0].cell) if members[0].counts else None
            most = sum(unit.strength * max(map(instance.value, unit.starts)) for unit in members)
            value = weighted_days_home(instance, passes)
            self.parts.append(_Part(members, slack, passes, value, most))

    @property
    def value(self) -> int:
        return sum(part.value for part in self.parts)

    @property
    def bound(self) -> int:
        return sum(part.bound for part in self.parts)

    @property
    def passes(self) -> tuple[Pass, ...]:
        return tuple(granted for part in self.parts for granted in part.passes)

    @property
    def proved(self) -> bool:
        return self.value >= self.bound

    def meet_bounds(self, deadline: float) -> None:
        began = time.perf_counter()
        for part in self.parts:
            part.bound, passes = passes_meeting_bound(
                self.instance, part.units, part.slack, deadline
            )
            self._keep(part, tuple(passes))
        self.seconds += time.perf_counter() - began

    def search(self, clock: _Clock, workers: int) -> None:
        """The parts still short of their bound, until the batch's share of the time is up."""
        began = time.perf_counter()
        deadline = began + clock.share(len(self.units))
        for part in self.parts:
            if part.value < part.bound:
                self._lower_bound(part, deadline, workers)
        self.seconds += time.perf_counter() - began

    def _lower_bound(self, part: _Part, deadline: float, workers: int) -> None:
        """Ask CP-SAT for passes reaching a value just under the bound: a proof that there are
        none lowers the bound below it, and the next value asked is twice as far down;
        passes found raise the value, and the next question is the bound again. Questions
        close above the optimum are answered fastest (asking halfway down was slower: passes of a
        given value near the optimum are hard to find; docs/benchmarks.md). A question
        unanswered in half the time left ends the asking, and CP-SAT then maximises the
        part's days at home with the rest."""
        if (deadline - time.perf_counter()) / 2 < SHORTEST_SOLVE:
            return  # not even one question (below): no model to build
        built = build_pass_model(self.instance, part.units)
        step = 0
        while part.value < part.bound:
            left = deadline - time.perf_counter()
            if left / 2 < SHORTEST_SOLVE:
                return  # a question may take half the time left: too little to load a model
            asked = max(part.value + 1, part.bound - step)
            reach = built.model.add(built.levels["home"] <= -asked)
            hint_passes(built, part.passes)
            solver = configured_solver(left / 2, workers, self.seed)
            status = solver.solve(built.model)
            reach.proto.clear_linear()  # the next question asks for another value
            if status == cp_model.INFEASIBLE:
                part.bound, step = asked - 1, 2 * step + 1
            elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                self._keep(part, extract_passes(built, solver))
                step = 0
            else:
                self._maximise(part, built, deadline, workers)
                return

    def _maximise(self, part: _Part, built: PassModel, deadline: float, workers: int) -> None:
        left = deadline - time.perf_counter()
        if left < SHORTEST_SOLVE:
            return
        built.model.minimize(built.levels["home"])
        hint_passes(built, part.passes)
        solver = configured_solver(left, workers, self.seed)
        if solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            part.bound = min(part.bound, round(-solver.best_objective_bound))
            self._keep(part, extract_passes(built, solver))

    def stage(self) -> StageDocument:
        return StageDocument(
            level="home",
            status="optimal" if self.proved else "feasible",
            seconds=round(self.seconds, 3),
            objective=self.value,
            bound=self.bound,
        )

    def _keep(self, part: _Part, passes: tuple[Pass, ...]) -> None:
        value = weighted_days_home(self.instance, passes)
        if value > part.value:
            part.passes, part.value = passes, value


def _later_levels(
    home: _HomeLevel, clock: _Clock, workers: int, seed: int
) -> tuple[tuple[Pass, ...], list[StageDocument]]:
    """The levels after the first for one batch, the first held at the value found."""
    time_limit = clock.share(len(home.units))
    began = time.perf_counter()
    passes = _exchanged(home, began + time_limit * EXCHANGE_SHARE)
    if time_limit - (time.perf_counter() - began) < SHORTEST_SOLVE:
        # the time limit is reached: the exchanged passes stand
        later = [_unsolved(home.instance, level, passes) for level in PASS_LEVELS[1:]]
        return passes, [home.stage(), *later]
    built = build_pass_model(home.instance, home.units)
    # Held exactly, so that the first level's figures describe the plan returned.
    built.model.add(built.levels["home"] == -home.value)
    left = max(SHORTEST_SOLVE, time_limit - (time.perf_counter() - began))
    return _staged(built, passes, PASS_LEVELS[1:], left, workers, seed, [home.stage()])


def _unsolved(instance: PassInstance, level: str, passes: tuple[Pass, ...]) -> StageDocument:
    """A level no search improved in time: the value of the passes as they are, the trivial
    bound (both later levels count things, never below 0)."""
    value = pass_score(instance, passes)[PASS_LEVELS.index(level)]
    return StageDocument(level=level, status="feasible", seconds=0.0, objective=value, bound=0)


def _exchanged(home: _HomeLevel, deadline: float) -> tuple[Pass, ...]:
    """The batch's passes improved part by part by `passes.exchange` (the first level kept)."""
    found = []
    for part in home.parts:
        mine = list(part.passes)
        found.extend(exchange_passes(home.instance, part.units, mine, part.slack, deadline))
    return tuple(sorted(found))


def _staged(
    built: PassModel,
    hint: tuple[Pass, ...],
    levels: tuple[str, ...],
    time_limit: float,
    workers: int,
    seed: int,
    stages: list[StageDocument],
) -> tuple[tuple[Pass, ...], list[StageDocument]]:
    """`levels` in order, each held while the next is optimised (`stages`: those done)."""
    began = time.perf_counter()
    hint_passes(built, hint)
    best, stages = hint, list(stages)
    for position, level in enumerate(levels):
        left = time_limit - (time.perf_counter() - began)
        share = LEVEL_SHARES[level] / sum(LEVEL_SHARES[name] for name in levels[position:])
        built.model.minimize(built.levels[level])
        status = cp_model.UNKNOWN
        level_began = time.perf_counter()
        if left * share >= SHORTEST_SOLVE:
            solver = configured_solver(left * share, workers, seed)
            status = solver.solve(built.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # No plan in time (or no time): the last level's plan stands, the trivial bound.
            stages.append(_unsolved(built.instance, level, best))
            built.model.add(built.levels[level] <= round(stages[-1].objective))
            continue
        value = round(solver.objective_value)
        stages.append(
            StageDocument(
                level=level,
                status="optimal" if status == cp_model.OPTIMAL else "feasible",
                seconds=round(time.perf_counter() - level_began, 3),
                objective=value,
                bound=round(solver.best_objective_bound),
            )
        )
        best = extract_passes(built, solver)
        built.model.add(built.levels[level] <= value)
        hint_passes(built, best)
    return best, _described_by(built.instance, best, stages)


def _described_by(
    instance: PassInstance, passes: tuple[Pass, ...], stages: list[StageDocument]
) -> list[StageDocument]:
    """Each later level's objective as the passes returned have it. A level below one solved
    is only held (`<=`), so the plan it ends with can be better there than the value found
    (and CP-SAT's count of blocks together can exceed the plan's: `extra` is bounded from
    below only); the bounds stay valid."""
    score = pass_score(instance, passes)
    return [
        stage.model_copy(update={"objective": score[PASS_LEVELS.index(stage.level)]})
        if stage.level != "home"
        else stage
        for stage in stages
    ]


def _document(stages: list[StageDocument], seconds: float) -> SolverDocument:
    """The batches' stages summed level by level: a level is optimal when it is in every batch."""
    summed = []
    for level in PASS_LEVELS:
        mine = [stage for stage in stages if stage.level == level]
        summed.append(
            StageDocument(
                level=level,
                status="optimal" if all(s.status == "optimal" for s in mine) else "feasible",
                seconds=round(max((s.seconds for s in mine), default=0.0), 3),
                objective=sum(s.objective for s in mine),
                bound=sum(s.bound for s in mine),
            )
        )
    status: SolverStatus = "optimal" if all(s.status == "optimal" for s in summed) else "feasible"
    home = summed[0]
    return SolverDocument(
        name="cp-sat",
        status=status,
        seconds=round(seconds, 3),
        objective=home.objective,
        bound=home.bound,
        gap=round(abs(home.bound - home.objective) / max(1.0, abs(home.objective)), 6),
        stages=summed,
        method=(
            "weighted person-days at home (start-totals bound per post, met by subset sums or "
            "CP-SAT), then blocks apart, then nearer homes; by post"
        ),
    )


def away_exceeds_slack(instance: PassInstance, passes: tuple[Pass, ...]) -> bool:
    """True when some cell would fall below min(required, covered) (for tests and checks)."""
    for cell, row in away_by_cell(instance, passes).items():
        slack = instance.slack(cell)
        if any(away > room for away, room in zip(row, slack, strict=True)):
            return True
    return False
