"""Turn solved deployments into the plan document of the contract, reasons included."""

from __future__ import annotations

from mobilize.planning.evaluate import Deployment, coverage, gaps, metrics, moves
from mobilize.planning.instance import PlanningInstance
from mobilize.planning.reasons import PlanFacts, explain_moves
from mobilize.planning.schemas import (
    ActionDocument,
    DeploymentDocument,
    MetricsDocument,
    PlanDocument,
    ShortfallDocument,
    SolverDocument,
)
from mobilize.scenario.schemas import Component


def assemble_plan(
    instance: PlanningInstance, deployments: tuple[Deployment, ...], solver: SolverDocument
) -> PlanDocument:
    covered = coverage(instance, deployments)
    planned_moves = tuple(moves(instance, deployments))
    facts = PlanFacts(
        instance=instance,
        deployments={deployment.unit: deployment for deployment in deployments},
        moves=planned_moves,
        covered=covered,
        present_by_component=_present_by_component(instance, deployments),
    )
    reasons = explain_moves(facts)
    date = instance.date_of
    return PlanDocument(
        scenario=instance.name,
        solver=solver,
        deployments=[
            DeploymentDocument(
                unit=d.unit, location=d.location, from_=date(d.first), to=date(d.last)
            )
            for d in sorted(deployments, key=lambda d: (d.first, d.location, d.unit))
        ],
        actions=[
            ActionDocument(
                date=date(move.day),
                unit=move.unit,
                action=move.kind.value,
                location=move.location,
                reason=reasons[move],
            )
            for move in planned_moves
        ],
        shortfalls=[
            ShortfallDocument(
                date=date(gap.day),
                location=gap.location,
                capability=gap.capability,
                required=gap.required,
                covered=gap.covered,
            )
            for gap in gaps(instance, covered)
        ],
        metrics=MetricsDocument(**vars(metrics(instance, deployments))),
    )


def _present_by_component(
    instance: PlanningInstance, deployments: tuple[Deployment, ...]
) -> dict[str, list[int]]:
    present = {key: [0] * instance.horizon for key in [*(c.value for c in Component), "all"]}
    for deployment in deployments:
        unit = instance.unit_by_id[deployment.unit]
        for day in range(deployment.first, deployment.last + 1):
            present[unit.component.value][day] += unit.strength
            present["all"][day] += unit.strength
    return present
