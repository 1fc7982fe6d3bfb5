"""Trimming pure excess off the ends of deployments, after the neighbourhood search.

A day at the end of a deployment (or at the start of a fresh unit's) on which its cell stays
covered without it is pure excess: cutting it changes no shortfall, keeps every cap (fewer
people present) and every maximum, and lowers excess, which outranks moves and transport in
the contract's order. So each cut makes the plan lexicographically better. The neighbourhood
search spends its time on shortfall first and leaves such days behind on large scenarios.
"""

from __future__ import annotations

from mobilize.planning.evaluate import Coverage, Deployment, counts_towards, coverage
from mobilize.planning.instance import PlanningInstance
from mobilize.planning.rules import may_arrive_later


def trim_excess(instance: PlanningInstance, plan: tuple[Deployment, ...]) -> tuple[Deployment, ...]:
    covered = coverage(instance, plan)
    trimmed: list[Deployment] = []
    # the longest-deployed first, so that among equals they are the ones that go home
    order = sorted(plan, key=lambda d: (-instance.unit_by_id[d.unit].days_before_start, d.unit))
    for deployment in order:
        unit = instance.unit_by_id[deployment.unit]
        if not counts_towards(instance, unit):
            trimmed.append(deployment)
            continue
        kept = _trim_one(instance, covered, deployment, unit.strength, may_arrive_later(unit))
        if kept is not None:
            trimmed.append(kept)
    return tuple(sorted(trimmed))


def _trim_one(
    instance: PlanningInstance,
    covered: Coverage,
    deployment: Deployment,
    strength: int,
    may_start_later: bool,
) -> Deployment | None:
    """The deployment with its surplus ends cut (None when nothing is left); `covered` is
    updated in place."""
    row = covered[(deployment.location, instance.unit_by_id[deployment.unit].capability)]
    demand = instance.demand.get(
        (deployment.location, instance.unit_by_id[deployment.unit].capability),
        (0,) * instance.horizon,
    )
    first, last = deployment.first, deployment.last
    while last >= first and row[last] - strength >= demand[last]:
        row[last] -= strength
        last -= 1
    while may_start_later and first <= last and row[first] - strength >= demand[first]:
        row[first] -= strength
        first += 1
    if last < first:
        return None
    if not may_start_later and first != deployment.first:
        return None  # a unit deployed on start cannot arrive later
    return Deployment(deployment.unit, deployment.location, first, last)
