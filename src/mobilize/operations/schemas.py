"""What the API takes in and gives back for an operation's record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mobilize.core.inputs import Number, Prose, WholeNumber

Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2200, 12, 31))]
Note = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$"), Prose]
# Work done, in the task's own unit (miles of wire, sites): a million is past any task.
WORK_LIMIT = 1_000_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OperationOut(BaseModel):
    name: str
    start: date
    end: date
    units: int
    tasks: int
    plans: int
    adopted_plan: int | None


class TaskOut(BaseModel):
    code: str
    location: str
    capability: str
    personnel: int
    work_total: float | None
    work_unit: str | None
    done: float
    share_done: float | None
    rate_per_day: float | None
    projected_on: date | None
    planned_until: date | None
    done_on: date | None


class ProgressInput(Strict):
    on: Day
    done: Annotated[Number, Field(ge=0, le=WORK_LIMIT)]
    note: Note = ""


class DoneInput(Strict):
    on: Day


class PlanRunInput(Strict):
    time_limit: Annotated[Number, Field(ge=1, le=600)] = 60.0
    seed: Annotated[WholeNumber, Field(ge=0, le=2**31 - 1)] = 0


class PlanSummary(BaseModel):
    number: int
    status: str
    solver_status: str
    shortfall_person_days: int
    created_by: str
    created_at: datetime
    based_on: int | None


class PlanOut(PlanSummary):
    document: dict[str, Any] = Field(description="The plan, as the output contract says.")


class AdoptOut(BaseModel):
    plan: int
    orders: int


class StrengthRowOut(BaseModel):
    component: str
    capability: str
    location: str
    deployed: int
    on_pass: int
    present: int


class CapOut(BaseModel):
    component: str
    limit: int
    deployed: int


class NeedOut(BaseModel):
    location: str
    capability: str
    required: int
    present: int
    short: int


class StrengthOut(BaseModel):
    day: date
    source: str
    rows: list[StrengthRowOut]
    caps: list[CapOut]
    needs: list[NeedOut]


class RequirementOut(BaseModel):
    location: str
    capability: str
    personnel: int
    from_: date | None = Field(serialization_alias="from")
    to: date | None
    source: str = Field(
        description="`imported`, the request line as last signed "
        "(`RFA-2018-0002 line 3 (version 2)`), or `task wire-SDC`."
    )


class OrderInput(Strict):
    kind: Literal["withdraw", "extend"] = Field(
        description="withdraw: the unit leaves on `on`; extend: it may stay until `on`."
    )
    on: Day
    reason: Annotated[Note, Field(min_length=1)]


class OrderOut(BaseModel):
    unit: str
    kind: str
    location: str
    on: date
    reason: str
    status: str
    source: str = Field(description="`plan 2` or `by hand (username)`.")
    created_by: str
    created_at: datetime


class AdoptionOrderOut(BaseModel):
    on: date
    unit: str
    kind: str
    location: str


class PassChangeOut(BaseModel):
    unit: str
    before: int = Field(description="Person-days away on pass under the adopted plan.")
    after: int = Field(description="Under the plan previewed.")


class AdoptionPreviewOut(BaseModel):
    """What adopting a plan would change (nothing is changed by reading it)."""

    plan: int
    status: str = Field(description="`proposed`, or `superseded` (adopted again).")
    made_by: str
    adopted: int | None = Field(description="The plan adopted now; null: none.")
    shortfall_person_days: int
    adopted_shortfall_person_days: int | None
    summary: str = Field(description='"3,070 shortfall person-days against 0 in the adopted plan"')
    orders_ending: list[AdoptionOrderOut]
    orders_beginning: list[AdoptionOrderOut]
    orders_kept: int
    passes: list[PassChangeOut] = Field(description="Units whose passes change.")
