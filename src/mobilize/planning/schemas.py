"""The plan output contract (`mobilize plan --format json`) as Pydantic models.

Reading is lenient where people make plans by hand: only `deployments` is required; the
derived sections, when present, are checked against what the deployments imply.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SolverStatus = Literal["optimal", "feasible", "no_solution"]


class _Document(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, extra="ignore")


class StageDocument(_Document):
    """One level of the lexicographic objective as solved."""

    level: str
    status: SolverStatus
    seconds: float
    objective: float
    bound: float


class BudgetDocument(_Document):
    """What a plan's search was allowed (an addition to the contract): in `repeatable` mode,
    deterministic work units, with a wall-clock safety stop; in `wall-clock` mode, seconds.
    The same scenario, workers, seed and repeatable budget give the same plan, unless
    `stopped_by_clock`."""

    mode: Literal["repeatable", "wall-clock"]
    unit: Literal["deterministic", "seconds"]
    limit: float
    spent: float
    safety_stop_seconds: float | None = None
    stopped_by_clock: bool = False
    workers: int
    seed: int


class SolverDocument(_Document):
    name: str
    status: SolverStatus
    seconds: float
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    stages: list[StageDocument] = Field(default_factory=list)
    method: str | None = None  # how the plan was searched, when not one whole model
    # which bound `bound` is, of those computed (an addition to the contract)
    bound_source: str | None = None
    budget: BudgetDocument | None = None


class DeploymentDocument(_Document):
    unit: str
    location: str
    from_: date = Field(alias="from")
    to: date


class ActionDocument(_Document):
    date: date
    unit: str
    action: Literal["deploy", "withdraw"]
    location: str
    reason: str


class ShortfallDocument(_Document):
    date: date
    location: str
    capability: str
    required: int
    covered: int


class PassDocument(_Document):
    unit: str
    from_: date = Field(alias="from")
    to: date
    personnel: int


class WithheldPassDocument(_Document):
    """An eligible unit that got fewer passes than blocks, and why."""

    unit: str
    blocks: int
    passes: int
    reason: str


class PassPlanningDocument(_Document):
    """How the passes were planned (an addition to the contract): the solver's figures, what
    was eligible and given, and why any eligible unit got fewer passes than blocks."""

    solver: SolverDocument
    eligible_units: int
    blocks: int
    person_days_home: int
    weighted_person_days_home: int
    withheld: list[WithheldPassDocument] = Field(default_factory=list)


class MetricsDocument(_Document):
    shortfall_person_days: int
    excess_person_days: int
    moves: int
    transport_person_km: int
    peak_personnel: int


class PlanDocument(_Document):
    scenario: str
    solver: SolverDocument | None = None
    deployments: list[DeploymentDocument]
    actions: list[ActionDocument] | None = None
    shortfalls: list[ShortfallDocument] | None = None
    passes: list[PassDocument] = Field(default_factory=list)
    metrics: MetricsDocument | None = None
    pass_planning: PassPlanningDocument | None = None

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2, exclude_none=True) + "\n"
