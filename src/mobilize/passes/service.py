"""Pass planning as the rest of the application uses it: a scenario and a plan in, the plan
with its passes out."""

from __future__ import annotations

from dataclasses import dataclass, field

from mobilize.core.errors import MobilizeError
from mobilize.passes.evaluate import Pass, person_days_home, weighted_days_home
from mobilize.passes.instance import PassInstance, PassPolicy, build_pass_instance
from mobilize.passes.reasons import withheld_reasons
from mobilize.passes.solve import greedy_passes, solve_passes
from mobilize.planning.evaluate import Deployment
from mobilize.planning.instance import PlanningInstance, build_instance
from mobilize.planning.schemas import (
    PassDocument,
    PassPlanningDocument,
    PlanDocument,
    SolverDocument,
    WithheldPassDocument,
)
from mobilize.planning.staged import ProgressListener
from mobilize.scenario.schemas import Scenario


@dataclass(frozen=True)
class PassRequest:
    solver: str = "cp-sat"  # or "greedy"
    time_limit: float = 10.0
    workers: int = 8
    seed: int = 0
    policy: PassPolicy = field(default_factory=PassPolicy)


class NoPassWindow(MobilizeError):
    """The scenario has no `passes` section."""


def plan_passes(
    scenario: Scenario,
    plan: PlanDocument,
    request: PassRequest | None = None,
    listener: ProgressListener | None = None,
) -> PlanDocument:
    """`plan` with its passes planned (any passes it had are replaced)."""
    if scenario.passes is None:
        raise NoPassWindow(
            f"scenario {scenario.name!r} has no passes section; add one "
            "(from, to, length_days, blocks, max_home_distance_km) to plan passes"
        )
    request = request or PassRequest()
    instance = build_instance(scenario)
    problem = build_pass_instance(
        instance, deployments_of(instance, plan), scenario.passes, request.policy
    )
    if request.solver == "greedy":
        passes = greedy_passes(problem)
        solver = SolverDocument(name="greedy", status="feasible", seconds=0.0)
    else:
        passes, solver = solve_passes(
            problem, request.time_limit, request.workers, request.seed, listener
        )
    return plan.model_copy(
        update={
            "passes": pass_documents(problem, passes),
            "pass_planning": _planning_document(problem, passes, solver),
        }
    )


def with_passes(
    scenario: Scenario,
    plan: PlanDocument,
    request: PassRequest | None = None,
    listener: ProgressListener | None = None,
) -> PlanDocument:
    """`plan` with passes planned when the scenario has a pass window; else `plan` as it is.
    The second stage of every stored plan (jobs, `mobilize demo run`)."""
    if scenario.passes is None:
        return plan
    return plan_passes(scenario, plan, request, listener)


def deployments_of(instance: PlanningInstance, plan: PlanDocument) -> tuple[Deployment, ...]:
    return tuple(
        Deployment(d.unit, d.location, instance.day_of(d.from_), instance.day_of(d.to))
        for d in plan.deployments
    )


def pass_documents(problem: PassInstance, passes: tuple[Pass, ...]) -> list[PassDocument]:
    return [
        PassDocument(
            unit=granted.unit,
            from_=problem.date_of(granted.start),
            to=problem.date_of(granted.start + problem.length - 1),
            personnel=granted.personnel,
        )
        for granted in sorted(passes, key=lambda p: (p.unit, p.start, -p.personnel))
    ]


def _planning_document(
    problem: PassInstance, passes: tuple[Pass, ...], solver: SolverDocument
) -> PassPlanningDocument:
    blocks = {unit.id: len(unit.blocks) for unit in problem.units}
    given = dict.fromkeys(blocks, 0)
    for granted in passes:
        given[granted.unit] += 1
    return PassPlanningDocument(
        solver=solver,
        eligible_units=len(problem.units),
        blocks=sum(blocks.values()),
        person_days_home=person_days_home(problem, passes),
        weighted_person_days_home=weighted_days_home(problem, passes),
        withheld=[
            WithheldPassDocument(
                unit=unit_id, blocks=blocks[unit_id], passes=given[unit_id], reason=reason
            )
            for unit_id, reason in sorted(withheld_reasons(problem, passes).items())
        ],
    )
