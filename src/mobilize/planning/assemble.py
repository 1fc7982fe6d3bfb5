"""Turn solved deployments into the plan document of the contract, reasons included."""

from __future__ import annotations

from mobilize.planning.evaluate import (
    Deployment,
    coverage,
    gaps,
    metrics,
    moves,
    present_by_component,
)
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


def assemble_plan(
    instance: PlanningInstance, deployments: tuple[Deployment, ...], solver: SolverDocument
) -> PlanDocument:
    covered = coverage(instance, deployments)
    planned_moves = moves(instance, deployments)
    facts = PlanFacts(
        instance=instance,
        deployments={deployment.unit: deployment for deployment in deployments},
        moves=tuple(planned_moves),
        covered=covered,
        present_by_component=present_by_component(instance, deployments),
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
        metrics=MetricsDocument(**vars(metrics(instance, deployments, covered, planned_moves))),
    )
