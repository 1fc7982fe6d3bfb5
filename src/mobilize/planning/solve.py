"""Choosing how to solve: greedy, one whole CP-SAT model, or neighbourhood search.

The reported objective, bound and gap are those of the first level not proved optimal (where
the plan could still be improved), or of the last level when all are proved; `stages` lists
them all. Whatever the search finds, a plan worse than greedy's is never returned.
"""

from __future__ import annotations

import time

from mobilize.planning.budget import Budget
from mobilize.planning.decompose import CapabilityRelaxation, shortfall_by_capability
from mobilize.planning.evaluate import Deployment, ordered_score
from mobilize.planning.flow_bound import flow_shortfall_bound
from mobilize.planning.greedy import greedy_plan
from mobilize.planning.hints import extract_deployments, hint_deployments
from mobilize.planning.instance import PlanningInstance
from mobilize.planning.lns import (
    CAPABILITIES_ALONE,
    UNITS_DAYS_LP,
    KnownBound,
    solve_by_neighbourhoods,
)
from mobilize.planning.model import build_model
from mobilize.planning.repair import fit_under_caps
from mobilize.planning.rules import keeps_plan_rules
from mobilize.planning.schemas import BudgetDocument, SolverDocument, SolverStatus, StageDocument
from mobilize.planning.segments import Segment, segments
from mobilize.planning.staged import (
    SAFETY_FACTOR,
    Progress,
    ProgressListener,
    SolverConfig,
    staged_solve,
)

# Before a neighbourhood search, the capabilities solved alone give it a far better bound than
# counting, for a tenth of the budget; above this many presence variables the parts are too
# big to build and solve in that share (docs/benchmarks.md, "Figures behind the settings").
RELAXATION_LIMIT = 60_000
RELAXATION_SHARE = 0.1
# Fitting the capabilities' plans under the caps: a start far better than greedy's on
# cap-bound scenarios for about a seventh of the budget (docs/benchmarks.md, "The 100-unit gap").
REPAIR_SHARE = 0.15
FITTED_START = "the capabilities' plans fitted under the caps"

__all__ = ["Progress", "ProgressListener", "SolverConfig", "solve_cp_sat", "solve_greedy"]


def solve_greedy(instance: PlanningInstance) -> tuple[tuple[Deployment, ...], SolverDocument]:
    began = time.perf_counter()
    deployments = greedy_plan(instance)
    seconds = round(time.perf_counter() - began, 3)
    return deployments, SolverDocument(name="greedy", status="feasible", seconds=seconds)


def solve_cp_sat(
    instance: PlanningInstance,
    config: SolverConfig,
    listener: ProgressListener | None = None,
    warm_start: tuple[Deployment, ...] | None = None,
) -> tuple[tuple[Deployment, ...], SolverDocument]:
    """The best plan found within `config`'s budget; `warm_start`, a plan that keeps every
    rule of `instance` (a neighbouring cap level's), starts the search when it beats greedy's."""
    began = time.perf_counter()
    budget = config.budget()
    hint = starting_plan(instance, warm_start)
    parts = segments(instance, every_day=config.every_day)
    size = model_size(instance, parts)
    if not config.every_day and size > config.full_model_limit:
        by_capability: dict[str, int] = {}
        start = hint
        if config.decompose and size <= RELAXATION_LIMIT:
            by_capability, start = _capabilities_first(instance, parts, hint, config, budget)
        known = known_shortfall_bound(instance, by_capability, budget)
        deployments, document = solve_by_neighbourhoods(
            instance, parts, start, config, listener, began, known, budget
        )
        if start is not hint:
            method = f"{document.method}, started from {FITTED_START}"
            document = document.model_copy(update={"method": method})
        return deployments, with_budget(document, config, budget)
    built = build_model(instance, parts)
    hint_deployments(built, adopted_plan(instance) or hint)
    # The capabilities alone know nothing of the adopted plan: no shortcut for a re-plan.
    relaxation = (
        CapabilityRelaxation(instance, config.threads, config.seed)
        if config.decompose and not config.every_day and not instance.previous
        else None
    )
    stages, solution = staged_solve(built, config, budget, began, listener, relaxation)
    deployments = extract_deployments(built, solution) if solution is not None else hint
    document = _solver_document(stages, solution is not None, time.perf_counter() - began)
    document = with_budget(document, config, budget)
    if ordered_score(instance, hint) < ordered_score(instance, deployments):
        # the search ran out of time before it caught up with the greedy plan
        method = "greedy plan kept: better than what the search found in the time"
        return hint, document.model_copy(update={"status": "feasible", "method": method})
    return deployments, document


def _capabilities_first(
    instance: PlanningInstance,
    parts: list[Segment],
    hint: tuple[Deployment, ...],
    config: SolverConfig,
    budget: Budget,
) -> tuple[dict[str, int], tuple[Deployment, ...]]:
    """Before a neighbourhood search: the capabilities alone give each capability's shortfall
    bound, and their plans fitted under the caps its start, when that beats `hint` (not for a
    re-plan, whose start should be the adopted plan's neighbour, which the capabilities know
    nothing of)."""
    part = budget.part(budget.limit * RELAXATION_SHARE)
    found = shortfall_by_capability(instance, config.threads, config.seed, part)
    if found is None:
        return {}, hint
    if found.plan is None or instance.previous:
        return found.bounds, hint
    part = budget.part(budget.limit * REPAIR_SHARE)
    fitted = fit_under_caps(instance, parts, found.plan, part, config.threads, config.seed)
    if fitted is None or ordered_score(instance, hint) <= ordered_score(instance, fitted):
        return found.bounds, hint
    return found.bounds, fitted


def known_shortfall_bound(
    instance: PlanningInstance, by_capability: dict[str, int], budget: Budget
) -> KnownBound:
    """The better of the capabilities' bounds added up and the LP of units' days with the caps
    linking them (`flow_bound`, those bounds among its rows), and which one gave it. The LP
    is not CP-SAT work: it is solved to the end (HiGHS, one thread, deterministic), the safety
    stop aside."""
    alone = KnownBound(sum(by_capability.values()), CAPABILITIES_ALONE)
    found = flow_shortfall_bound(instance, by_capability, max(1.0, budget.seconds_left()))
    if found.solved and found.value > alone.value:
        return KnownBound(found.value, UNITS_DAYS_LP)
    return alone


def starting_plan(
    instance: PlanningInstance, warm_start: tuple[Deployment, ...] | None
) -> tuple[Deployment, ...]:
    """Greedy's plan, or `warm_start` where it keeps every plan rule and scores better."""
    greedy = greedy_plan(instance)
    if warm_start is None or not keeps_plan_rules(instance, warm_start):
        return greedy
    return min((greedy, warm_start), key=lambda plan: ordered_score(instance, plan))


def with_budget(document: SolverDocument, config: SolverConfig, budget: Budget) -> SolverDocument:
    """The solver document with the budget the plan was made with (so that it can be
    repeated: same scenario, seed and budget, same plan, unless the clock stopped it)."""
    spent = budget.spent if budget.repeatable else time.perf_counter() - budget.began
    recorded = BudgetDocument(
        mode="repeatable" if budget.repeatable else "wall-clock",
        unit="deterministic" if budget.repeatable else "seconds",
        limit=round(budget.limit, 3),
        spent=round(spent, 3),
        safety_stop_seconds=round(config.time_limit * SAFETY_FACTOR, 3)
        if budget.repeatable
        else None,
        stopped_by_clock=budget.stopped_by_clock,
        workers=config.threads,
        seed=config.seed,
    )
    return document.model_copy(update={"budget": recorded})


def model_size(instance: PlanningInstance, parts: list[Segment]) -> int:
    """How many presence variables the whole model would have (to choose whole or LNS)."""
    needing: dict[str, int] = {}
    for (_, capability), demand in instance.demand.items():
        if any(demand):
            needing[capability] = needing.get(capability, 0) + 1
    size = 0
    for unit in instance.units:
        window = sum(
            1 for s in parts if s.first >= unit.earliest_first and s.last <= unit.latest_last
        )
        size += window if unit.location is not None else window * needing.get(unit.capability, 0)
    return size


def _solver_document(stages: list[StageDocument], solved: bool, seconds: float) -> SolverDocument:
    if not solved:
        # no stage found a plan in time: the greedy plan is returned, and said to be so
        return SolverDocument(
            name="cp-sat", status="no_solution", seconds=round(seconds, 3), stages=stages
        )
    open_stage = next((stage for stage in stages if stage.status != "optimal"), stages[-1])
    status: SolverStatus = "optimal" if all(s.status == "optimal" for s in stages) else "feasible"
    gap = (open_stage.objective - open_stage.bound) / max(1.0, abs(open_stage.objective))
    return SolverDocument(
        name="cp-sat",
        status=status,
        seconds=round(seconds, 3),
        objective=open_stage.objective,
        bound=open_stage.bound,
        gap=round(gap, 6),
        stages=stages,
        # the capabilities' bounds, when computed, are constraints of the model CP-SAT bounds
        bound_source="cp-sat",
    )


def adopted_plan(instance: PlanningInstance) -> tuple[Deployment, ...] | None:
    """The adopted plan's stays as a hint for a re-plan (CP-SAT repairs it where the data
    changed), or None for a first plan."""
    if not instance.previous:
        return None
    return tuple(Deployment(s.unit, s.location, s.first, s.last) for s in instance.previous)
