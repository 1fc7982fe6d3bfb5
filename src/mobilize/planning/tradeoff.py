"""The price of a cap: the same scenario planned at each of several cap levels.

For a component (`active`), every cap on that component is set to the level (a scenario with
no such cap gets one over the whole horizon), and the plan says what each level gives up:
shortfall person-days by capability, excess, moves, with the solver's bound and gap.

Levels are solved in two waves on a process pool: every other level first, from scratch; then
the levels between, each warm-started from the plan of the level just below it (a plan that
keeps a lower cap keeps a higher one, every other rule being the same). A higher cap can never
need a worse plan: when the search at a level returns a plan lexicographically worse than the
best plan of a lower level, that plan is reused (it is feasible there) and the row says so.
With the default repeatable budget each level's plan is the same whatever ran beside it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from mobilize.planning.assemble import assemble_plan
from mobilize.planning.evaluate import Deployment, plan_score
from mobilize.planning.instance import PlanningInstance, build_instance
from mobilize.planning.model import LEVELS
from mobilize.planning.schemas import PlanDocument, SolverDocument
from mobilize.planning.solve import SolverConfig, solve_cp_sat
from mobilize.planning.verify import verify_plan
from mobilize.scenario.schemas import Cap, Component, Scenario

Solved = tuple[tuple[Deployment, ...], SolverDocument]


@dataclass(frozen=True)
class CapLevel:
    """One level of the curve: the scenario at that cap, its plan and what it costs."""

    cap: int
    scenario: Scenario
    plan: PlanDocument
    reused_from: int | None  # the lower cap whose plan was kept, when the search's was worse
    verified: bool
    # the shortfall level's bound, raised to any higher level's (a looser cap needs no more
    # shortfall, so a bound there bounds here too); None when no level was solved
    shortfall_bound: float | None = None

    def row(self, capabilities: list[str]) -> dict[str, object]:
        """The JSON row: `{cap, shortfall_person_days, shortfall_by_capability,
        excess_person_days, moves, bound, gap, status}` and how the plan came about. `bound`
        and `gap` are the shortfall level's (what the cap costs), `status` the whole plan's."""
        assert self.plan.metrics is not None
        assert self.plan.solver is not None
        by_capability = dict.fromkeys(capabilities, 0)
        for short in self.plan.shortfalls or []:
            by_capability[short.capability] += short.required - short.covered
        bound = self.shortfall_bound
        shortfall = self.plan.metrics.shortfall_person_days
        gap = None if bound is None else round((shortfall - bound) / max(1, shortfall), 6)
        budget = self.plan.solver.budget
        return {
            "cap": self.cap,
            "shortfall_person_days": self.plan.metrics.shortfall_person_days,
            "shortfall_by_capability": by_capability,
            "excess_person_days": self.plan.metrics.excess_person_days,
            "moves": self.plan.metrics.moves,
            "bound": bound,
            "gap": gap,
            "status": self.plan.solver.status,
            "stopped_by_clock": budget is not None and budget.stopped_by_clock,
            "reused_from": self.reused_from,
            "verified": self.verified,
        }


def cap_levels(text: str) -> list[int]:
    """`FIRST:LAST:STEP` (LAST included when on a step) or `A,B,C` into ascending levels;
    ValueError says what is wrong."""
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ValueError(f"{text!r}: use FIRST:LAST:STEP or A,B,C")
        first, last, step = (int(part) for part in parts)
        if step <= 0 or last < first or first < 0:
            raise ValueError(f"{text!r}: needs 0 <= FIRST <= LAST and STEP > 0")
        return list(range(first, last + 1, step))
    levels = sorted({int(part) for part in text.split(",") if part.strip()})
    if not levels or levels[0] < 0:
        raise ValueError(f"{text!r}: give at least one level, none negative")
    return levels


def scenario_at_cap(scenario: Scenario, component: Component | None, cap: int) -> Scenario:
    """`scenario` with every cap of `component` (None: caps on all personnel) at `cap`."""
    matching = [c for c in scenario.caps if c.component is component]
    if not matching:
        added = Cap(component=component, max_personnel=cap)
        return scenario.model_copy(update={"caps": (*scenario.caps, added)})
    caps = tuple(
        c.model_copy(update={"max_personnel": cap}) if c.component is component else c
        for c in scenario.caps
    )
    return scenario.model_copy(update={"caps": caps})


def price_of_cap(
    scenario: Scenario,
    component: Component | None,
    levels: list[int],
    config: SolverConfig,
    processes: int | None = None,
    on_level: Callable[[int], None] | None = None,
) -> list[CapLevel]:
    """Each level planned (in parallel, warm-started from the level below where it can be),
    made monotone, every plan checked by the independent verifier."""
    levels = sorted(set(levels))
    scenarios = {cap: scenario_at_cap(scenario, component, cap) for cap in levels}
    solved: dict[int, Solved] = {}
    workers = processes or os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=min(workers, len(levels))) as pool:
        for wave in (levels[0::2], levels[1::2]):
            warm = {cap: _level_below(solved, levels, cap) for cap in wave}
            futures = {
                cap: pool.submit(_solve_level, scenarios[cap], config, warm[cap]) for cap in wave
            }
            for cap, future in futures.items():
                solved[cap] = future.result()
                if on_level is not None:
                    on_level(cap)
    return with_shared_bounds(monotone_levels(scenarios, solved))


def _level_below(
    solved: dict[int, Solved], levels: list[int], cap: int
) -> tuple[Deployment, ...] | None:
    lower = [level for level in levels if level < cap and level in solved]
    return solved[lower[-1]][0] if lower else None


def _solve_level(
    scenario: Scenario, config: SolverConfig, warm_start: tuple[Deployment, ...] | None
) -> Solved:
    """One level in a worker process (module level, so that the pool can pickle it)."""
    return solve_cp_sat(build_instance(scenario), config, warm_start=warm_start)


def monotone_levels(scenarios: dict[int, Scenario], solved: dict[int, Solved]) -> list[CapLevel]:
    """The levels in ascending caps, each plan verified; a level whose plan is worse than the
    best lower level's takes that one (it keeps this level's looser cap)."""
    found: list[CapLevel] = []
    best: tuple[int, tuple[Deployment, ...]] | None = None
    for cap in sorted(solved):
        deployments, solver = solved[cap]
        instance = build_instance(scenarios[cap])
        reused_from = None
        if best is not None and _worse(instance, deployments, best[1]):
            reused_from, deployments = best
            solver = _reused_solver(instance, solver, deployments, reused_from)
        else:
            best = (cap, deployments)
        plan = assemble_plan(instance, deployments, solver)
        verified = verify_plan(scenarios[cap], plan).ok
        found.append(CapLevel(cap, scenarios[cap], plan, reused_from, verified))
    return found


def with_shared_bounds(levels: list[CapLevel]) -> list[CapLevel]:
    """Each level's shortfall bound, raised to the best bound of any higher cap: the optimum
    cannot rise with the cap, so a bound proved at a higher cap holds at every lower one."""
    shared: list[CapLevel] = []
    best: float | None = None
    for level in sorted(levels, key=lambda level: -level.cap):
        own = _shortfall_bound(level.plan)
        if own is not None:
            best = own if best is None else max(best, own)
        shared.append(replace(level, shortfall_bound=best))
    return sorted(shared, key=lambda level: level.cap)


def _shortfall_bound(plan: PlanDocument) -> float | None:
    if plan.solver is None or not plan.solver.stages:
        return None
    stage = plan.solver.stages[0]
    return stage.bound if stage.status != "no_solution" else None


def _worse(
    instance: PlanningInstance, plan: tuple[Deployment, ...], lower: tuple[Deployment, ...]
) -> bool:
    return plan_score(instance, lower) < plan_score(instance, plan)


def _reused_solver(
    instance: PlanningInstance,
    solver: SolverDocument,
    deployments: tuple[Deployment, ...],
    reused_from: int,
) -> SolverDocument:
    """This level's solver figures for a lower level's plan: its own bound stays valid (it is
    this level's, on the first objective level not proved); objective and gap are the reused
    plan's value of that level against it."""
    stages = solver.stages
    open_level = next((s.level for s in stages if s.status != "optimal"), LEVELS[0])
    value = plan_score(instance, deployments)[LEVELS.index(open_level)]
    bound = solver.bound if solver.bound is not None else 0.0
    gap = (value - bound) / max(1.0, abs(value))
    method = f"plan of cap {reused_from} reused: it keeps this cap and is better than the search's"
    return solver.model_copy(
        update={
            "status": "feasible",
            "objective": float(value),
            "bound": bound,
            "gap": round(gap, 6),
            "method": method,
        }
    )
